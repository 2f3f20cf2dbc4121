import MaestroStorage

extension EntityFacts {
  /// The last key sequence seen for one entity kind, with what is known
  /// about each key: whether no server writes it, and its `FieldType`.
  struct KeyCache {
    var keys: [String] = []
    var unknown: [String] = []
    var types: [FieldType?] = []
  }

  /// Collects the keys of `object` that `known` does not list (`unknown`)
  /// and reports each field whose JSON type is not one `types` allows
  /// (`field.type`, `field.type.tolerated`), naming the field, the type
  /// found and the type expected. Fields with a wrong type are listed in
  /// `wrongTypes`, so the link checks skip them (the type finding covers
  /// them).
  ///
  /// Files written by one server share their key sequence, so the answer
  /// for the previous sequence of the same kind is reused when the keys
  /// are the same: comparing strings is cheaper than hashing them.
  mutating func fields(
    of object: JSONObject, known: Set<String>, types: [String: FieldType], cache: inout KeyCache
  ) {
    if object.keys != cache.keys {
      cache = KeyCache(
        keys: object.keys, unknown: object.keys.filter { !known.contains($0) },
        types: object.keys.map { types[$0] })
    }
    unknown = cache.unknown
    for position in cache.types.indices {
      guard let type = cache.types[position] else { continue }
      if let other = type.readOnlyWithout, object[other]?.isTruthy ?? false { continue }
      check(object.keys[position], object.values[position], against: type)
    }
  }

  /// Judges one field's value against its type.
  private mutating func check(_ field: String, _ value: JSONValue, against type: FieldType) {
    if type.defaultedWhenFalsy && !value.isTruthy { return }
    guard type.allowed.contains(FieldType.Kinds(of: value)) else {
      wrongTypes.append(field)
      findings.append(
        Finding(
          FieldType.code(type.severity), entity, id: id, file: file, ref: field,
          "\(Finding.quoted(field)) is \(FieldType.described(value)), expected \(type.expected)"))
      return
    }
    if !type.elementFields.isEmpty, case .array(let elements) = value {
      checkElements(field, elements, type.elementFields)
    }
    guard let members = type.members else { return }
    var first: (at: String, value: JSONValue)?
    var count = 0
    switch value {
    case .array(let elements):
      for (i, element) in elements.enumerated() where !members.contains(FieldType.Kinds(of: element)) {
        if first == nil { first = ("element \(i)", element) }
        count += 1
      }
    case .object(let map):
      for (key, member) in map where !members.contains(FieldType.Kinds(of: member)) {
        if first == nil { first = ("key \(Finding.quoted(key))", member) }
        count += 1
      }
    default:
      return
    }
    guard let first else { return }
    let more = count > 1 ? " (and \(count - 1) more)" : ""
    findings.append(
      Finding(
        FieldType.code(type.memberSeverity), entity, id: id, file: file, ref: field,
        "\(Finding.quoted(field)) holds \(FieldType.described(first.value)) at \(first.at)\(more), expected \(type.expected)"
      ))
  }

  /// The members of each object in `elements` against `fields`: one
  /// finding per field and severity, naming the first problem.
  private mutating func checkElements(
    _ field: String, _ elements: [JSONValue], _ fields: [(name: String, type: FieldType)]
  ) {
    var first: [Finding.Severity: (message: String, count: Int)] = [:]
    for i in elements.indices {
      guard case .object(let object) = elements[i] else { continue }
      for position in object.values.indices {
        let member = object.values[position]
        let kind = FieldType.Kinds(of: member)
        let key = object.keys[position]
        guard let type = fields.first(where: { $0.name == key })?.type, !type.allowed.contains(kind) else { continue }
        if let seen = first[type.severity] {
          first[type.severity] = (seen.message, seen.count + 1)
        } else {
          first[type.severity] = (
            "\(Finding.quoted(field)) element \(i): \(Finding.quoted(key)) is \(FieldType.described(member)), expected \(type.expected)",
            1
          )
        }
      }
    }
    for severity in [Finding.Severity.error, .warning] {
      guard let problem = first[severity] else { continue }
      let more = problem.count > 1 ? " (and \(problem.count - 1) more)" : ""
      findings.append(
        Finding(FieldType.code(severity), entity, id: id, file: file, ref: field, problem.message + more))
    }
  }
}
