import MaestroStorage

extension MaestroError.Code {
  /// A changing command refused a data dir a server is running on (exit 75,
  /// like a held maintenance lock: the data dir is busy).
  public static let serverLive = MaestroError.Code(rawValue: "SERVER_LIVE")
}
