/// The toolkit's version, printed by `--version` and written into the
/// manifests and journals later jobs produce.
public enum MaestroAdminVersion {
  public static let string = "0.1.0"
}
