import MaestroStorage

extension MaestroError.Code {
  /// An archive, catalog line or member is unsafe, damaged or does not match
  /// its checksum; or a restore would overwrite a live file that differs.
  /// The archive commands exit 4 naming the member or line.
  public static let archiveRefused = MaestroError.Code(rawValue: "ARCHIVE_REFUSED")
}
