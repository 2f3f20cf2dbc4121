import MaestroStorage
import MaestroTestSupport
import Testing

/// The awkward-keys corpus Node 20 wrote (Fixtures/json/node-awkward, made
/// by its generate.js): every input parses and prints byte for byte as
/// `JSON.stringify` prints it, in both styles.
@Suite struct JSONAwkwardCorpusTests {
  static let folder = ProjectPaths.fixtures + "/json/node-awkward"

  static func names() throws -> [String] {
    try FileSystem.listDirectory(folder + "/in").map(\.name)
  }

  @Test func corpusIsComplete() throws {
    let names = try Self.names()
    #expect(names.count >= 30)
    #expect(try FileSystem.listDirectory(Self.folder + "/compact").map(\.name) == names)
    #expect(try FileSystem.listDirectory(Self.folder + "/pretty").map(\.name) == names)
  }

  @Test(arguments: [JSONStyle.compact, .pretty])
  func everyInputPrintsAsNodePrintsIt(style: JSONStyle) throws {
    var mismatches: [String] = []
    for name in try Self.names() {
      let value = try JSONParser.parse(try FileSystem.readFile(Self.folder + "/in/" + name))
      let expected = try FileSystem.readFile(Self.folder + "/\(style.rawValue)/" + name)
      let printed = JSONWriter.serialize(value, style: style)
      if printed != expected {
        mismatches.append("\(name): \(String(decoding: printed, as: UTF8.self))")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches)")
  }

  /// Node's own output is a fixed point: parsing it and printing it again in
  /// the same style gives the same bytes, and, where printing loses nothing
  /// (every case but the numbers, whose -0 and infinities print as 0 and
  /// null), the values equal the input's: no key or string changed.
  @Test(arguments: [JSONStyle.compact, .pretty])
  func nodeOutputIsAFixedPoint(style: JSONStyle) throws {
    for name in try Self.names() {
      let bytes = try FileSystem.readFile(Self.folder + "/\(style.rawValue)/" + name)
      let value = try JSONParser.parse(bytes)
      #expect(JSONWriter.serialize(value, style: style) == bytes, "\(name)")
      let input = try JSONParser.parse(try FileSystem.readFile(Self.folder + "/in/" + name))
      if !name.contains("number") { #expect(value == input, "\(name)") }
      #expect(try JSONDocument.isCanonical(bytes, style: style), "\(name)")
    }
  }

  /// The typed model reads and writes such keys without merging or
  /// mangling them: a session's `env` set back from its own pairs prints as
  /// Node printed it, and a variable added goes last beside them.
  @Test func sessionEnvKeysSurviveTheModel() throws {
    let name = try #require(try Self.names().first { $0.hasSuffix("-session-with-awkward-env.json") })
    let bytes = try FileSystem.readFile(Self.folder + "/pretty/" + name)
    var session = try Session(json: try JSONParser.parse(bytes), file: name)
    let env = try #require(session.env)
    #expect(env.count == 5)
    #expect(env.map { JSONKey.utf16(of: $0.key) }.contains([0xD800]))
    #expect(env.map { JSONKey.utf16(of: $0.key) }.contains([0xDC00]))
    session.env = env
    #expect(JSONWriter.serialize(.object(session.json), style: .pretty) == bytes)
    session.env = env + [(key: "NEW", value: "1")]
    let reparsed = try JSONParser.parse(JSONWriter.serialize(.object(session.json), style: .compact))
    let keys = try #require(reparsed["env"]?.objectValue?.keys)
    #expect(keys.map { JSONKey.utf16(of: $0) } == env.map { JSONKey.utf16(of: $0.key) } + [Array("NEW".utf16)])
  }
}
