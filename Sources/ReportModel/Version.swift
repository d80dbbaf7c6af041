/// The version of this build, as `mailtally --version` prints it and as the store records which
/// version last changed its schema (a newer store is refused, naming the version that made it).
public enum MailTallyVersion {
    /// The version text, printed by `--version` and written into stores whose schema it changes.
    public static let current = "0.2.0"
}
