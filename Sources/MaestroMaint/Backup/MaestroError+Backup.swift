import MaestroStorage

extension MaestroError.Code {
  /// A snapshot or tar is damaged, unsafe or does not match its manifest:
  /// `verify` and `restore` exit 4 naming the member.
  public static let snapshotInvalid = MaestroError.Code(rawValue: "SNAPSHOT_INVALID")
  /// A file kept changing while `backup create` read it (exit 8 unless
  /// `--allow-torn`).
  public static let tornFile = MaestroError.Code(rawValue: "TORN_FILE")
  /// `restore` found data in the target and was not told to replace it.
  public static let targetNotEmpty = MaestroError.Code(rawValue: "TARGET_NOT_EMPTY")
}
