/// A file change a `Storage` call is about to make, for the test seam
/// `StoreFileChange.$hook`.
public struct StoreFileChange: Sendable, Equatable {
  /// The file, relative to the data dir.
  public var relativePath: String
  /// Whether the change removes the file (else it writes it).
  public var removes: Bool
  /// Whether the change puts back what a failed call had changed.
  public var undoing: Bool

  /// A test hook called before every file change a store makes in the
  /// current task (writes, removals and the undoing of a failed call);
  /// throwing makes that change fail as an I/O error would. `nil` (the
  /// default) in production.
  @TaskLocal public static var hook: (@Sendable (StoreFileChange) throws -> Void)?

  static func announce(_ relativePath: String, removes: Bool, undoing: Bool) throws {
    guard let hook else { return }
    try hook(StoreFileChange(relativePath: relativePath, removes: removes, undoing: undoing))
  }
}
