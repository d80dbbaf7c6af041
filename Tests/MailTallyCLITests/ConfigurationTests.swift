import Foundation
import TestSupport
import Testing

/// The configuration file: where settings come from, what overrides what, and each refusal in
/// one sentence with exit status 2.
@Suite struct ConfigurationTests {
    let folder: URL

    init() throws {
        folder = try TestSupport.temporaryDirectory()
    }

    func write(_ text: String, mode: mode_t = 0o600, name: String = "config.toml") throws -> URL {
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, mode)
        return file
    }

    func config(_ file: URL, _ arguments: [String] = [], environment: [String: String] = [:]) throws
        -> TestSupport.ProcessResult
    {
        try TestSupport.run(
            TestSupport.mailtally, ["config", "--json"] + arguments,
            environment: environment.merging(["MAILTALLY_CONFIG": file.path], uniquingKeysWith: { $1 }))
    }

    func rows(_ result: TestSupport.ProcessResult) throws -> [String: (value: String, origin: String)] {
        let list = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: String]])
        var rows: [String: (String, String)] = [:]
        for row in list where row["setting"] != "inbox" {
            rows[row["setting"] ?? ""] = (row["value"] ?? "", row["origin"] ?? "")
        }
        return rows
    }

    @Test("settings come from the file, and flags and the environment override it")
    func precedence() throws {
        let file = try write(
            """
            db = "\(folder.path)/from-file.sqlite"
            out = "\(folder.path)/packs"
            resolver = "127.0.0.1:5353"
            inboxes = ["\(folder.path)"]

            [[imap]]
            url = "imaps://dmarc@example.com@imap.example.com/Rapports/Reçus"
            password = "hunter2-secret"
            move_to = "Done"
            """)
        let fromFile = try config(file)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let rows = try rows(fromFile)
        #expect(rows["db"]?.value == "\(folder.path)/from-file.sqlite")
        #expect(rows["db"]?.origin == "the configuration file \(file.path)")
        #expect(rows["resolver"]?.value == "127.0.0.1:5353")
        #expect(rows["configuration file"]?.origin == "$MAILTALLY_CONFIG")
        #expect(fromFile.output.contains("password from the configuration file (hidden); move to Done"))
        #expect(!fromFile.output.contains("hunter2-secret"))

        let flagged = try config(file, ["--db", "flag.sqlite", "--resolver", "127.0.0.1:53"])
        #expect(try self.rows(flagged)["db"]?.value == "flag.sqlite")
        #expect(try self.rows(flagged)["db"]?.origin == "--db")
        #expect(try self.rows(flagged)["resolver"]?.origin == "--resolver")
        let environment = try config(
            file, environment: ["MAILTALLY_DB": "env.sqlite", "MAILTALLY_IMAP_PASSWORD": "from-env-secret"])
        #expect(try self.rows(environment)["db"]?.origin == "$MAILTALLY_DB")
        // The environment's password replaces the account's, and only it: the folder stays.
        #expect(environment.output.contains("password from $MAILTALLY_IMAP_PASSWORD (hidden); move to Done"))
        #expect(!environment.output.contains("from-env-secret"))
        let moved = try config(file, ["--move-to", "Elsewhere"])
        #expect(moved.output.contains("password from the configuration file (hidden); move to Elsewhere"))

        // A postgres:// URL's password is never shown.
        let postgres = try write(#"db = "postgres://u:pg-secret@db.example/mt""#, name: "pg.toml")
        let shown = try config(postgres)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(!shown.output.contains("pg-secret"))
        #expect(try self.rows(shown)["db"]?.value.hasPrefix("postgres://u@db.example:5432/mt") == true)
    }

    @Test("a syntax error, an unknown setting, a bad account and a readable password: one sentence each, exit 2")
    func refusals() throws {
        let cases: [(String, mode_t, String)] = [
            ("db = \n", 0o600, "line 1, column"),
            ("databse = \"x\"\n", 0o600, "unknown setting 'databse'"),
            ("db = 3\n", 0o600, "db takes a non-empty string"),
            ("[[imap]]\nurl = \"imaps://u@h/INBOX\"\n", 0o600, "needs exactly one of password, password_file"),
            ("[[imap]]\nurl = \"imaps://h/INBOX\"\npassword_file = \"/x\"\n", 0o600, "no user"),
            ("inboxes = [\"imaps://u@h/INBOX\"]\n", 0o600, "goes in an [[imap]] table"),
            (
                "[[imap]]\nurl = \"imaps://u@h/INBOX\"\npassword = \"p\"\n", 0o644,
                "holds a password and others can read it"
            ),
            ("db = \"postgres://u:p@h/db\"\n", 0o604, "holds a password and others can read it"),
            ("out = \"/srv/reports\"\n", 0o602, "can be written by others"),
            ("[mail]\nweekly = \"someday\"\n", 0o600, "[mail] weekly takes a weekday"),
            ("[mail]\nwhen = \"sometimes\"\n", 0o600, "[mail] when takes new, findings or always"),
        ]
        for (index, (text, mode, expected)) in cases.enumerated() {
            let file = try write(text, mode: mode, name: "case\(index).toml")
            let result = try config(file)
            #expect(result.status == 2, "\(text)")
            #expect(result.stderr.contains(file.path) && result.stderr.contains(expected), "\(result.stderr)")
            #expect(!result.stderr.contains("Usage:"), "\(result.stderr)")
        }
        // The same file as mode 600 is fine.
        let quiet = try write("[[imap]]\nurl = \"imaps://u@h/INBOX\"\npassword = \"p\"\n", name: "ok.toml")
        #expect(try config(quiet).status == 0)
        // A named file that does not exist is an error, not an empty configuration.
        let missing = try config(folder.appendingPathComponent("missing.toml"))
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
    }
}
