import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Output locations of every command: never inside a server folder of a
/// data dir (16), writable before any work starts (8); snapshots leave the
/// journals out unless asked.
@Suite struct DestinationEndToEndTests {
  @Test func destinationsInsideServerFoldersAreRefusedBeforeAnyWork() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--format", "legacy"]).status == 0)
      let before = try TreeHash.entries(of: data, includeModes: true)
      let attempts: [[String]] = [
        ["backup", "create", "--data-dir", data, "--dest", data + "/tasks"],
        ["backup", "create", "--data-dir", data, "--dest", data + "/sessions/backups"],
        ["migrate", "up", "--data-dir", data, "--snapshot-dest", data + "/tasks"],
        ["migrate", "up", "--data-dir", data, "--snapshot-dest", data + "/projects/snapshots"],
      ]
      for args in attempts {
        let r = try runMaestroAdmin(args)
        #expect(r.status == 16, "\(args): \(r.stderr)")
        #expect(r.stderr.contains("server folder") && r.stderr.contains(data), "\(r.stderr)")
        // Nothing written: not even the toolkit's state folder.
        #expect(try TreeHash.entries(of: data, includeModes: true) == before, "\(args)")
      }
      // A snapshot to restore into another data dir's tasks/ is refused too.
      let backups = dir + "/backups"
      #expect(try runMaestroAdmin(["backup", "create", "--data-dir", data, "--dest", backups]).status == 0)
      let snapshot = try #require(try FileSystem.listDirectory(backups).first { $0.name.hasPrefix("maestro-") })
      let restore = try runMaestroAdmin(["backup", "restore", backups + "/" + snapshot.name, "--to", data + "/tasks/x"])
      #expect(restore.status == 16 && !FileSystem.fileExists(data + "/tasks/x"))
      #expect(try TreeHash.entries(of: data, includeModes: true) == before)
    }
  }

  @Test func aDestinationThatCannotBeWrittenFailsFirstNamingIt() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data]).status == 0)
      try AtomicFile.write(Array("x".utf8), to: dir + "/file")
      let r = try runMaestroAdmin(["backup", "create", "--data-dir", data, "--dest", dir + "/file/backups"])
      #expect(r.status == 8 && r.stderr.contains(dir + "/file") && r.stderr.contains("--dest"))
      let m = try runMaestroAdmin(["migrate", "up", "--data-dir", data, "--snapshot-dest", dir + "/file/s"])
      #expect(m.status == 8 && m.stderr.contains("--snapshot-dest"))
      #expect(!FileSystem.fileExists(data + "/.maestro-admin"))
    }
  }

  @Test func snapshotsLeaveJournalsOutUnlessAsked() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--inject", "all=1"]).status == 0)
      #expect(try runMaestroAdmin(["repair", "--data-dir", data]).status != 8)
      let journals = try FileSystem.listDirectory(Journal.folder(data)).map(\.name)
      #expect(journals.contains { $0.hasSuffix(".pack") })

      let plain = try runMaestroAdmin(["backup", "create", "--data-dir", data, "--dest", dir + "/b1", "--json"])
      #expect(plain.status == 0, "\(plain.stderr)")
      #expect(plain.stdout.contains(#"{"type":"excluded","path":".maestro-admin/journal","reason":"journal"}"#))
      let kept = try runMaestroAdmin([
        "backup", "create", "--data-dir", data, "--dest", dir + "/b2", "--include-journals", "--json",
      ])
      #expect(kept.status == 0 && !kept.stdout.contains(#""reason":"journal""#))
      func members(_ folder: String) throws -> [String] {
        let name = try #require(try FileSystem.listDirectory(folder).first { $0.name.hasPrefix("maestro-") }).name
        return try BackupDestination.manifest(of: folder + "/" + name).files.map(\.path)
      }
      #expect(try members(dir + "/b1").allSatisfy { !$0.hasPrefix(".maestro-admin/journal") })
      #expect(try members(dir + "/b2").contains { $0.hasPrefix(".maestro-admin/journal/") && $0.hasSuffix(".pack") })
    }
  }
}
