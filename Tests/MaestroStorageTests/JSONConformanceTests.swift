import MaestroStorage
import MaestroTestSupport
import Testing

/// JSONTestSuite (test_parsing): `y_` accepted, `n_` rejected with a
/// position, `i_` never crashing or hanging, each class pinned below.
@Suite struct JSONTestSuiteTests {
  static let names: [String] = {
    (try? FileSystem.listDirectory(ProjectPaths.jsonTestSuite).map(\.name).filter { $0.hasSuffix(".json") }) ?? []
  }()

  @Test func corpusIsPresent() {
    #expect(Self.names.count == 318, "expected JSONTestSuite at \(ProjectPaths.jsonTestSuite)")
  }

  @Test func acceptsEveryY() throws {
    var failures: [String] = []
    for name in Self.names where name.hasPrefix("y_") {
      let bytes = try FileSystem.readFile(ProjectPaths.jsonTestSuite + "/" + name)
      do { _ = try JSONParser.parse(bytes) } catch { failures.append("\(name): \(error)") }
    }
    #expect(failures.isEmpty, "\(failures)")
    #expect(Self.names.filter { $0.hasPrefix("y_") }.count == 95)
  }

  @Test func rejectsEveryNWithAPosition() throws {
    var accepted: [String] = []
    for name in Self.names where name.hasPrefix("n_") {
      let bytes = try FileSystem.readFile(ProjectPaths.jsonTestSuite + "/" + name)
      do {
        _ = try JSONParser.parse(bytes)
        accepted.append(name)
      } catch {
        #expect(error.line >= 1 && error.column >= 1, "\(name)")
        #expect(error.offset >= 0 && error.offset <= bytes.count, "\(name)")
        #expect(error.description.contains("line \(error.line)"), "\(name): \(error)")
      }
    }
    #expect(accepted.isEmpty, "accepted: \(accepted)")
    #expect(Self.names.filter { $0.hasPrefix("n_") }.count == 188)
  }

  /// Our documented decision for each implementation-defined case.
  @Test func implementationDefinedCasesFollowTheDocumentedChoice() throws {
    // Accepted: numbers out of double range (as Node: ±Infinity or 0),
    // escaped lone surrogates (kept), 500 levels of nesting (under the limit).
    let accepted: Set<String> = [
      "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
      "i_number_pos_double_huge_exp.json", "i_number_real_neg_overflow.json", "i_number_real_pos_overflow.json",
      "i_number_real_underflow.json", "i_number_too_big_neg_int.json", "i_number_too_big_pos_int.json",
      "i_number_very_big_negative_int.json", "i_object_key_lone_2nd_surrogate.json",
      "i_string_1st_surrogate_but_2nd_missing.json", "i_string_1st_valid_surrogate_2nd_invalid.json",
      "i_string_incomplete_surrogate_and_escape_valid.json", "i_string_incomplete_surrogate_pair.json",
      "i_string_incomplete_surrogates_escape_valid.json", "i_string_invalid_lonely_surrogate.json",
      "i_string_invalid_surrogate.json", "i_string_inverted_surrogates_U+1D11E.json",
      "i_string_lone_second_surrogate.json", "i_structure_500_nested_arrays.json",
    ]
    var mismatches: [String] = []
    for name in Self.names where name.hasPrefix("i_") {
      let bytes = try FileSystem.readFile(ProjectPaths.jsonTestSuite + "/" + name)
      let ok = (try? JSONParser.parse(bytes)) != nil
      // Everything else (invalid UTF-8, UTF-16/32 encodings, BOM) is rejected.
      if ok != accepted.contains(name) { mismatches.append("\(name): \(ok ? "accepted" : "rejected")") }
    }
    #expect(mismatches.isEmpty, "\(mismatches)")
    #expect(Self.names.filter { $0.hasPrefix("i_") }.count == 35)
  }

  @Test func deepNestingIsAClearErrorNotACrash() throws {
    let bytes = [UInt8](repeating: 0x5B, count: 100_000)
    #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    do {
      _ = try JSONParser.parse(bytes)
    } catch {
      #expect(error.kind == .nestingTooDeep)
      #expect(error.description.contains("deeper than 512"))
    }
  }
}

/// Node's `JSON.stringify(v, null, 2)`, byte for byte, on 300 cases.
@Suite struct NodeStringifyTests {
  @Test func everyCaseMatchesNodeByteForByte() throws {
    let inputs = try FileSystem.listDirectory(ProjectPaths.nodeStringify + "/in").map(\.name)
    #expect(inputs.count == 300)
    var mismatches: [String] = []
    for name in inputs {
      let input = try FileSystem.readFile(ProjectPaths.nodeStringify + "/in/" + name)
      let expected = try FileSystem.readFile(ProjectPaths.nodeStringify + "/out/" + name)
      let value = try JSONParser.parse(input)
      if JSONWriter.serialize(value, style: .pretty) != expected { mismatches.append(name) }
    }
    #expect(mismatches.isEmpty, "differ from Node: \(mismatches)")
  }
}
