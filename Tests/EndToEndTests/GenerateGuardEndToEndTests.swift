import Foundation
import MaestroStorage
import MaestroTestSupport
import Testing

/// `generate` never replaces or plants data in a data dir it did not write,
/// stops on the first Ctrl-C with the old tree intact, and refuses
/// `--inject` counts beyond the scale.
@Suite struct GenerateGuardEndToEndTests {
  /// Entries beside `out` a generate run left (staging or old trees).
  private func leftovers(_ dir: String) throws -> [String] {
    try FileSystem.listDirectory(dir).map(\.name).filter { $0.contains(".generate-") }
  }

  @Test func aLiveDataDirAndItsServerFoldersAreRefusedEvenWithForce() throws {
    try withTemporaryDirectory { dir in
      // A data dir generate did not write: its ground truth is gone.
      let live = dir + "/live"
      #expect(try runMaestroAdmin(["generate", "--out", live]).status == 0)
      try FileSystem.removeFile(live + ".faults.json")
      let before = try TreeHash.entries(of: live, includeModes: true)
      for (args, words) in [
        (["--out", live + "/projects", "--force"], "server folder projects/"),
        (["--out", live + "/tasks/sub"], "server folder tasks/"),
        (["--out", live, "--force"], "which generate did not write"),
        (["--out", live + "/sub"], "which generate did not write"),
      ] {
        let r = try runMaestroAdmin(["generate"] + args)
        #expect(r.status == 16, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(words) && r.stderr.contains(live), "\(r.stderr)")
      }
      #expect(try TreeHash.entries(of: live, includeModes: true) == before)
      #expect(try leftovers(dir).isEmpty && !FileSystem.fileExists(live + "/sub"))

      // A non-empty folder that is no data dir: --force does not empty it.
      try FileSystem.makeDirectories(dir + "/docs")
      try AtomicFile.write(Array("keep me".utf8), to: dir + "/docs/notes.txt")
      let docs = try runMaestroAdmin(["generate", "--out", dir + "/docs", "--force"])
      #expect(docs.status == 16 && docs.stderr.contains("generate's own output"))
      #expect(try FileSystem.listDirectory(dir + "/docs").map(\.name) == ["notes.txt"])

      // Its own output is still replaced with --force.
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/gen"]).status == 0)
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/gen", "--seed", "2", "--force"]).status == 0)
    }
  }

  @Test func theFirstCtrlCStopsWithExit32AndTheOldTreeIntact() throws {
    try withTemporaryDirectory { dir in
      let out = dir + "/gen"
      #expect(try runMaestroAdmin(["generate", "--out", out, "--scale", "s"]).status == 0)
      let before = try TreeHash.entries(of: out, includeModes: true)
      let truth = try FileSystem.readFile(out + ".faults.json")

      // Scale m, so that the run is surely still writing when SIGINT comes.
      let process = Process()
      process.executableURL = URL(fileURLWithPath: ProjectPaths.binary)
      process.arguments = ["generate", "--out", out, "--scale", "m", "--seed", "9", "--force"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      var started = false
      for _ in 0..<400 where !started {
        started = try !leftovers(dir).isEmpty
        if !started { usleep(10_000) }
      }
      #expect(started, "no staging folder appeared")
      usleep(100_000)
      process.interrupt()
      process.waitUntilExit()
      #expect(process.terminationReason == .exit && process.terminationStatus == 32)
      #expect(try TreeHash.entries(of: out, includeModes: true) == before)
      #expect(try FileSystem.readFile(out + ".faults.json") == truth)
      #expect(try leftovers(dir).isEmpty)
    }
  }

  @Test func injectIsBoundedByTheScale() throws {
    try withTemporaryDirectory { dir in
      let huge = try runMaestroAdmin(["generate", "--out", dir + "/x", "--inject", "all=99999"])
      #expect(huge.status == 16)
      #expect(huge.stderr.contains("limit of 30 per class") && huge.stderr.contains("99999"))
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/x", "--inject", "task.orphan=31"]).status == 16)
      #expect(!FileSystem.fileExists(dir + "/x"))
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/x", "--inject", "task.orphan=30"]).status == 0)
      let help = try runMaestroAdmin(["generate", "--help"])
      let words = help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
      #expect(words.contains("N is at most the clean task count") && words.contains("xs 30"))
    }
  }
}
