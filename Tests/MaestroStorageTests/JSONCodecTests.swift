import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct JSONCodecTests {
  /// `JSON.stringify(v)` of the same 300 inputs, written by Node 20 into
  /// Fixtures/json/node-compact.
  @Test func compactStyleMatchesNodeByteForByte() throws {
    let inputs = try FileSystem.listDirectory(ProjectPaths.nodeStringify + "/in").map(\.name)
    var mismatches: [String] = []
    for name in inputs {
      let value = try JSONParser.parse(try FileSystem.readFile(ProjectPaths.nodeStringify + "/in/" + name))
      let expected = try FileSystem.readFile(ProjectPaths.fixtures + "/json/node-compact/" + name)
      if JSONWriter.serialize(value, style: .compact) != expected { mismatches.append(name) }
    }
    #expect(inputs.count == 300)
    #expect(mismatches.isEmpty, "\(mismatches)")
  }

  /// 3,026 doubles (edge cases, random bit patterns, decimals, large
  /// integers) against Node's `String(x)`.
  @Test func numbersPrintAsJavaScriptPrintsThem() throws {
    let table = String(decoding: try FileSystem.readFile(ProjectPaths.fixtures + "/json/js-numbers.tsv"), as: UTF8.self)
    var checked = 0
    var mismatches: [String] = []
    for line in table.split(separator: "\n") {
      let parts = line.split(separator: "\t")
      let value = Double(bitPattern: UInt64(parts[0], radix: 16)!)
      let got = JSNumberFormat.string(value)
      if got != parts[1] { mismatches.append("\(parts[0]): got \(got), node \(parts[1])") }
      checked += 1
    }
    #expect(checked == 3026)
    #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
  }

  @Test func nonFiniteAndNegativeZero() {
    #expect(JSNumberFormat.string(.infinity) == "null")
    #expect(JSNumberFormat.string(-.infinity) == "null")
    #expect(JSNumberFormat.string(.nan) == "null")
    #expect(JSNumberFormat.string(-0.0) == "0")
    #expect(JSONWriter.string(.array([.number(-0.0), .number(1e21), .number(1e-7)]), style: .compact) == "[0,1e+21,1e-7]")
  }

  @Test func keyOrderIsKeptAndRepeatedKeysFollowJSONParse() throws {
    let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3,"a":4}"#)
    #expect(value.objectValue?.keys == ["z", "a", "m"])
    #expect(JSONWriter.string(value, style: .compact) == #"{"z":1,"a":4,"m":3}"#)
  }

  @Test func loneSurrogatesRoundTripAsNodePrintsThem() throws {
    let value = try JSONParser.parse(#"["\ud800 lone","\udc00","\ud83d\ude00","a\ud800\u0041"]"#)
    #expect(JSONWriter.string(value, style: .compact) == #"["\ud800 lone","\udc00","😀","a\ud800A"]"#)
    #expect(value.arrayValue?[2] == .string("😀"))
  }

  @Test func escapesFollowNode() throws {
    let value = JSONValue.string("q\" b\\ /\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f} é 🎉")
    #expect(JSONWriter.string(value, style: .compact) == "\"q\\\" b\\\\ /\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f} é 🎉\"")
    #expect(try JSONParser.parse(JSONWriter.serialize(value, style: .compact)) == value)
  }

  @Test func prettyStyleLayout() throws {
    let value = try JSONParser.parse(#"{"a":[],"b":{},"c":[1,{"d":null}],"e":"x"}"#)
    let expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": \"x\"\n}"
    #expect(JSONWriter.string(value, style: .pretty) == expected)
  }

  @Test func styleDetection() {
    #expect(JSONStyle.detect(Array("{\n  \"a\": 1\n}".utf8)) == .pretty)
    #expect(JSONStyle.detect(Array(#"{"a":1}"#.utf8)) == .compact)
    #expect(JSONStyle.detect(Array("[\n  1\n]".utf8)) == .pretty)
    #expect(JSONStyle.detect(Array("{}".utf8)) == .compact)
    #expect(JSONStyle.detect(Array("42".utf8)) == .compact)
  }

  @Test func errorsGiveLineAndColumn() {
    do {
      _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\" 2\n}")
      Issue.record("accepted a missing colon")
    } catch {
      #expect(error.line == 3)
      #expect(error.column == 7)
      #expect(error.description == "unexpected '2', expecting ':' at line 3, column 7")
    }
  }

  @Test func truncationIsRecognised() {
    do {
      _ = try JSONParser.parse(#"{"id":"task_1","title":"hal"#)
      Issue.record("accepted a truncated file")
    } catch {
      #expect(error.isTruncation)
    }
    do {
      _ = try JSONParser.parse("")
      Issue.record("accepted an empty file")
    } catch {
      #expect(error.kind == .empty)
    }
  }

  @Test func invalidUTF8NamesTheByteOffset() {
    let bytes: [UInt8] = Array(#"{"a":"ok é "#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
    do {
      _ = try JSONParser.parse(bytes)
      Issue.record("accepted invalid UTF-8")
    } catch {
      #expect(error.kind == .invalidUTF8)
      #expect(error.offset == 12)
      #expect(error.description.contains("byte offset 12"))
    }
  }

  @Test func numbersFollowTheGrammarAndJavaScriptValues() throws {
    for bad in ["01", "-", "1.", ".5", "1e", "+1", "0x10", "1.e3", "NaN", "Infinity", "--1"] {
      #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser.parse(bad) }
    }
    #expect(try JSONParser.parse("9007199254740993") == .number(9_007_199_254_740_992))
    #expect(try JSONParser.parse("1706789123456") == .number(1_706_789_123_456))
    #expect(try JSONParser.parse("-0.0") == .number(-0.0))
    #expect(try JSONParser.parse("1E400") == .number(.infinity))
    #expect(try JSONParser.parse("0.1e1") == .number(1))
  }

  @Test func objectEditsKeepOrderAndAppendNewKeys() {
    var o = JSONObject([("id", "x"), ("b", 1), ("c", 2)])
    o["b"] = 5
    o["new"] = true
    o["c"] = nil
    #expect(o.keys == ["id", "b", "new"])
    #expect(JSONWriter.string(.object(o), style: .compact) == #"{"id":"x","b":5,"new":true}"#)
  }
}

@Suite struct JSONKeyTests {
  @Test func keysDifferingOnlyInLoneSurrogatesStayApart() throws {
    let value = try JSONParser.parse(#"{"\ud800":1,"\udbff":2,"\ufffd":3,"\ud800":4}"#)
    let object = try #require(value.objectValue)
    #expect(object.count == 3)
    #expect(object.values == [4, 2, 3])
    #expect(JSONWriter.string(value, style: .compact) == #"{"\ud800":4,"\udbff":2,"�":3}"#)
    #expect(object.keys.map { JSONKey.utf16(of: $0) } == [[0xD800], [0xDBFF], [0xFFFD]])
  }

  @Test func canonicallyEquivalentKeysStayApart() throws {
    let value = try JSONParser.parse("{\"\u{e9}\":1,\"e\u{301}\":2}")
    let object = try #require(value.objectValue)
    #expect(object.count == 2)
    #expect(object["\u{e9}"] == 1)
    #expect(object["e\u{301}"] == 2)
    var edited = object
    edited["e\u{301}"] = 3
    #expect(edited.values == [1, 3])
    #expect(edited != object)
    #expect(JSONValue.string("\u{e9}") != .string("e\u{301}"))
  }

  @Test func spellingIsInjectiveAndReversible() {
    let samples: [[UInt16]] = [
      [0xD800], [0xDC00], [0xDC00, 0xD800], [0xFFFD], Array("plain".utf16),
      Array("\u{10F7FF}".utf16), Array("\u{10F800}".utf16), Array("\u{10FFFF}".utf16), [0xDBFE, 0xDC00, 0xD800],
      Array("\u{10F7FF}\u{10F7FF}".utf16), Array("é".utf16), [],
    ]
    let spellings = samples.map(JSONKey.spelling(ofUTF16:))
    #expect(Set(spellings.map { Array($0.utf8) }).count == samples.count)
    for (units, spelling) in zip(samples, spellings) {
      #expect(JSONKey.utf16(of: spelling) == units)
    }
    #expect(JSONKey.spelling(ofUTF16: Array("plain".utf16)) == "plain")
    #expect(JSONKey.spelling(of: "\u{10F800}") != "\u{10F800}")
    #expect(JSONKey.utf16(of: JSONKey.spelling(of: "\u{10FFFF}")) == Array("\u{10FFFF}".utf16))
  }

  @Test func arrayIndicesAreTheCanonicalOnes() {
    #expect(JSONKey.arrayIndex("0") == 0)
    #expect(JSONKey.arrayIndex("4294967294") == 4_294_967_294)
    for key in ["4294967295", "01", "-0", "1e3", "1.5", " 1", "", "-1", "00", "9007199254740993", "42 ", "a1"] {
      #expect(JSONKey.arrayIndex(key) == nil, "\(key)")
    }
  }

  @Test func objectsKeepArrayIndicesFirstAsJavaScriptDoes() {
    var object: JSONObject = ["b": 1, "a": 2]
    object["10"] = 3
    object["2"] = 4
    object["c"] = 5
    object["4294967295"] = 6
    #expect(object.keys == ["2", "10", "b", "a", "c", "4294967295"])
    object["2"] = nil
    object["0"] = 7
    #expect(object.keys == ["0", "10", "b", "a", "c", "4294967295"])
  }
}
