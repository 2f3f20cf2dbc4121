import MaestroStorage
import Testing

/// `JSONParser.parse(_:streamingArrayAt:element:)` hands a top-level
/// array's elements over one by one instead of keeping them.
@Suite struct JSONStreamingArrayTests {
  @Test func everyElementIsHandedOverAndTheArrayLeftEmpty() throws {
    var seen: [JSONValue] = []
    let value = try JSONParser.parse(Array(#"{"a":1,"files":[{"p":1},2,[3]],"b":[4]}"#.utf8), streamingArrayAt: "files") {
      seen.append($0)
    }
    #expect(seen == [.object(["p": 1]), 2, .array([3])])
    #expect(value == .object(["a": 1, "files": .array([]), "b": .array([4])]))
  }

  @Test func aRepeatedKeyIsRefused() {
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse(Array(#"{"files":[1],"files":[2]}"#.utf8), streamingArrayAt: "files") { _ in }
    }
  }

  @Test func nestedKeysOfThatNameAndOtherValuesAreParsedAsUsual() throws {
    var handed = 0
    let nested = try JSONParser.parse(Array(#"{"x":{"files":[1]},"y":[2]}"#.utf8), streamingArrayAt: "files") { _ in
      handed += 1
    }
    #expect(handed == 0 && nested == .object(["x": .object(["files": .array([1])]), "y": .array([2])]))
    let scalar = try JSONParser.parse(Array(#"{"files":7}"#.utf8), streamingArrayAt: "files") { _ in handed += 1 }
    #expect(handed == 0 && scalar == .object(["files": 7]))
  }

  @Test func damageInsideTheStreamedArrayIsAParseError() {
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse(Array(#"{"files":[1,{"a":}]}"#.utf8), streamingArrayAt: "files") { _ in }
    }
  }
}
