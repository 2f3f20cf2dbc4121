@testable import MaestroMaint
import MaestroStorage
import Testing

/// The manifest format and its self-check, the JSON completeness check and
/// member-name judgement.
@Suite struct BackupManifestTests {
  static func sample() -> SnapshotManifest {
    SnapshotManifest(
      id: "0badf00d", createdAt: 1_795_816_200_000, source: "/srv/maestro/data", hostname: "db1", label: "nightly",
      compression: .zstd, excluded: [.init(path: ".maestro-admin/lock", reason: "lock")],
      root: .init(path: "", mode: 0o755, mtime: 1_795_816_199_123_456_789),
      directories: [.init(path: "projects", mode: 0o755, mtime: 1), .init(path: "tasks", mode: 0o700, mtime: 2)],
      files: [
        .init(path: "projects/p1.json", size: 2, mode: 0o644, mtime: 1_795_816_199_987_654_321, sha256: "ab"),
        .init(path: "tasks/p1/t1.json", size: 3, mode: 0o600, mtime: 5, sha256: "cd", invalidJSON: true),
        .init(path: "tasks/t0.json", size: 3, mode: 0o600, mtime: 5, sha256: "ef", torn: true),
        .init(path: "sessions/s1.json", size: 3, mode: 0o600, mtime: 5, sha256: "01"),
      ])
  }

  @Test func roundTripsExactlyWithNanosecondTimes() throws {
    let m = Self.sample()
    let bytes = m.serialized()
    let back = try SnapshotManifest(parsing: bytes, origin: "s.tar.zst")
    #expect(back.serialized() == bytes)
    #expect(back.files[0].mtime == 1_795_816_199_987_654_321)
    #expect(back.counts.tasks == 2 && back.counts.legacyTaskFiles == 1 && back.counts.projects == 1)
    #expect(back.counts.tornFiles == 1 && back.counts.invalidJSONFiles == 1 && back.counts.bytes == 11)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix(#"{"format":"maestro-admin-snapshot","formatVersion":1,"#))
    #expect(text.contains(#""mode":"0600""#))
    #expect(text.contains(#","manifestSha256":""#))
  }

  @Test func anyEditFailsTheSelfCheck() throws {
    let text = String(decoding: Self.sample().serialized(), as: UTF8.self)
    let edited = text.replacingOccurrences(#""size":2"#, with: #""size":3"#)
    #expect(edited != text)
    #expect {
      try SnapshotManifest(parsing: Array(edited.utf8), origin: "s.tar.zst")
    } throws: { error in
      let e = error as? MaestroError
      return e?.code == .snapshotInvalid && e?.message.contains("manifestSha256") == true
    }
    #expect(throws: MaestroError.self) { try SnapshotManifest(parsing: Array("{}".utf8), origin: "x") }
  }

  @Test func jsonShapeCheckAcceptsWholeTextsAndRejectsTornOnes() {
    let good = [
      #"{"a":[1,-2.5e+3,true,false,null,"x\"\\\/\b\f\n\r\tA\u00e9"],"b":{}}"#, "[]", " 0 ", #""s""#,
      "{\n  \"id\": \"t1\",\n  \"n\": [\n    1\n  ]\n}",
    ]
    for text in good { #expect(JSONShapeCheck.isComplete(Array(text.utf8)), "\(text)") }
    let full = Array("{\n  \"id\": \"t1\",\n  \"tags\": [\n    \"a\"\n  ],\n  \"x\": {}\n}".utf8)
    // Every strict prefix of a pretty object is torn (what an in-place rewrite shows).
    for n in 0..<full.count { #expect(!JSONShapeCheck.isComplete(Array(full[..<n])), "\(n)") }
    let bad = ["{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\u{01}\"", "\"\\x\"", "\"\\u12g4\"", "tru", "[] []", "{'a':1}"]
    for text in bad { #expect(!JSONShapeCheck.isComplete(Array(text.utf8)), "\(text)") }
    #expect(!JSONShapeCheck.isComplete(Array(repeating: UInt8(ascii: "["), count: 600)))
  }

  @Test func memberNamesAreJudged() {
    func ok(_ name: String, dir: Bool = false) -> String? { try? MemberPath.normalize(name, isDirectory: dir).get() }
    #expect(ok("projects/p1.json") == "projects/p1.json")
    #expect(ok("./projects/p1.json") == "projects/p1.json")
    #expect(ok("./", dir: true) == "")
    #expect(ok("tasks/", dir: true) == "tasks")
    #expect(ok("session-docs/s/notes-ümlaut.md") == "session-docs/s/notes-ümlaut.md")
    for bad in ["/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/..", "tasks/", String(repeating: "a", count: 256)] {
      #expect(ok(bad) == nil, "\(bad)")
    }
    #expect(MemberPath.ancestors(of: "a/b/c") == ["a", "a/b"])
  }
}

extension String {
  fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
    var result = ""
    var rest = Substring(self)
    while let range = rest.range(of: target) {
      result += rest[..<range.lowerBound] + replacement
      rest = rest[range.upperBound...]
    }
    return result + rest
  }
}
