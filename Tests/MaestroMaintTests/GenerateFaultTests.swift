import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Every fault class is planted, recorded in `.faults.json`, and really is
/// in the files it names; and planting faults leaves the clean data alone.
@Suite struct GenerateFaultTests {
  static let knownTaskStatuses = Set(TaskStatus.knownValues.map(\.rawValue))
  static let knownSessionStatuses = Set(SessionStatus.knownValues.map(\.rawValue))

  @Test(arguments: [GenerateFormat.seed, .current, .legacy])
  func everyClassIsPlantedAndRecorded(format: GenerateFormat) async throws {
    let counts = GeneratorOptions.Counts(projects: 4, tasks: 60, sessions: 20)
    let (report, tmp) = try await generate {
      $0.counts = counts
      $0.format = format
      $0.faults = try! FaultInjection(parsing: "all=2")
    }
    let applicable = FaultClass.allCases.filter { !$0.requiresCurrentFormat || format == .current }
    #expect(report.faults.map(\.faultClass) == applicable.flatMap { [$0, $0] })

    // The ground truth file says the same.
    let truth = try #require(try JSONParser.parse(FileSystem.readFile(report.faultsFile)).objectValue)
    let generator = try #require(truth["generator"]?.objectValue)
    #expect(generator["format"]?.stringValue == format.rawValue)
    #expect(generator["seed"] == 1)
    #expect(generator["counts"]?["tasks"] == 60)
    let recorded = try #require(truth["faults"]?.arrayValue)
    #expect(recorded.count == report.faults.count)
    for (fault, entry) in zip(report.faults, recorded) {
      #expect(entry.objectValue == fault.json)
      #expect(!fault.expected.isEmpty && fault.expected.allSatisfy { $0.code == fault.faultClass.rawValue })
    }

    let dir = try GeneratedDir(report.out)
    for fault in report.faults {
      for file in fault.files { #expect(dir.files[file] != nil, "\(fault.faultClass): \(file) not written") }
      try Self.verify(fault, in: dir)
    }
    // No two faults share an entity file.
    let allFiles = report.faults.flatMap(\.files)
    #expect(Set(allFiles).count == allFiles.count)
    withExtendedLifetime(tmp) {}
  }

  /// The clean part of a faulted dir is byte for byte the fault-free dir:
  /// faults only add files.
  @Test func faultsOnlyAddFiles() async throws {
    let (clean, t1) = try await generate { $0.format = .current }
    let (faulted, t2) = try await generate {
      $0.format = .current
      $0.faults = try! FaultInjection(parsing: "all=1")
    }
    let before = try GeneratedDir(clean.out)
    let after = try GeneratedDir(faulted.out)
    // Docs name the data dir by absolute path, which differs between the
    // two temporary dirs; compare those files with the paths rebased.
    for (path, bytes) in before.files {
      let other = try #require(after.files[path], "\(path) missing from the faulted dir")
      let rebased = String(decoding: other, as: UTF8.self).replacing(faulted.out, with: clean.out)
      #expect(rebased == String(decoding: bytes, as: UTF8.self), "\(path) changed")
    }
    let planted = Set(faulted.faults.flatMap(\.files))
    for path in after.files.keys where before.files[path] == nil {
      #expect(planted.contains(path), "\(path) is neither clean data nor a recorded fault file")
    }
    withExtendedLifetime((t1, t2)) {}
  }

  // MARK: Per-class structural checks

  static func verify(_ fault: PlantedFault, in dir: GeneratedDir) throws {
    let c = fault.faultClass
    let e = try #require(fault.expected.first)
    func json(_ file: String) throws -> JSONObject {
      let bytes = try #require(dir.files[file], "\(c): \(file) missing")
      return try #require(try JSONParser.parse(bytes).objectValue, "\(c): \(file)")
    }
    func exists(task id: String) -> Bool { dir.tasks[id] != nil }
    func exists(session id: String) -> Bool { dir.sessions[id] != nil }
    switch c {
    case .sessionTaskDangling:
      let s = try json(e.file)
      #expect(GeneratedDir.taskIds(s).contains { !exists(task: $0) }, "\(c)")
    case .taskSessionDangling:
      #expect(GeneratedDir.strings(try json(e.file), "sessionIds").contains { !exists(session: $0) })
    case .linkSessionOnly:
      let s = try json(e.file)
      let t = try #require(GeneratedDir.taskIds(s).first.flatMap(dir.task))
      #expect(!GeneratedDir.strings(t, "sessionIds").contains(e.id))
      #expect(t["projectId"] == s["projectId"])
    case .linkTaskOnly:
      let t = try json(e.file)
      let sid = try #require(GeneratedDir.strings(t, "sessionIds").first)
      #expect(!GeneratedDir.taskIds(try #require(dir.session(sid))).contains(e.id))
    case .sessionTaskIdsDuplicate:
      let ids = GeneratedDir.taskIds(try json(e.file))
      #expect(Set(ids).count < ids.count)
    case .taskSessionIdsDuplicate:
      let ids = GeneratedDir.strings(try json(e.file), "sessionIds")
      #expect(Set(ids).count < ids.count)
    case .linkCrossProject:
      let s = try json(e.file)
      let tid = try #require(GeneratedDir.taskIds(s).first)
      let t = try #require(dir.task(tid))
      #expect(GeneratedDir.strings(t, "sessionIds").contains(e.id))
      #expect(t["projectId"] != s["projectId"])
      #expect(dir.projects[t["projectId"]!.stringValue!] != nil && dir.projects[s["projectId"]!.stringValue!] != nil)
    case .taskOrphan:
      let p = try #require(try json(e.file)["projectId"]?.stringValue)
      #expect(dir.projects[p] == nil && e.file == "tasks/\(p)/\(e.id).json")
    case .sessionOrphan:
      let s = try json(e.file)
      #expect(dir.projects[s["projectId"]!.stringValue!] == nil && GeneratedDir.taskIds(s).isEmpty)
    case .taskMisplaced:
      let p = try #require(try json(e.file)["projectId"]?.stringValue)
      let folder = e.file.split(separator: "/")[1]
      #expect(folder != p && dir.projects[p] != nil && dir.projects[String(folder)] != nil)
    case .entityIdMismatch:
      #expect(try json(e.file)["id"]?.stringValue == e.id)
      #expect(!e.file.hasSuffix("/\(e.id).json"))
    case .entityIdDuplicate:
      #expect(fault.expected.count == 2 && dir.tasks[e.id]?.count == 2)
      for f in fault.expected { #expect(try json(f.file)["projectId"]?.stringValue == String(f.file.split(separator: "/")[1])) }
    case .taskLegacyConflict:
      #expect(e.file == "tasks/\(e.id).json")
      let folderCopy = try #require(dir.tasks[e.id]?.first { $0.path != e.file })
      #expect(folderCopy.json != (try json(e.file)))
    case .fileMalformed, .fileTruncated, .fileEmpty:
      let bytes = try #require(dir.files[e.file])
      #expect(dir.unparsed.contains(e.file))
      if c == .fileEmpty { #expect(bytes.isEmpty) } else { #expect(!bytes.isEmpty) }
      if c == .fileTruncated { #expect(bytes.last != UInt8(ascii: "}")) }
      if c == .fileMalformed { #expect(bytes.last == UInt8(ascii: "}")) }
      // Nothing else names the file's id.
      let everything = dir.files.filter { $0.key != e.file }.values.map { String(decoding: $0, as: UTF8.self) }
      #expect(!everything.contains { $0.contains(e.id) }, "\(c): \(e.id) is referenced")
    case .fileStrayTmp:
      #expect(e.file.hasSuffix(".tmp"))
      let json = e.file.split(separator: ".").dropLast(2).joined(separator: ".")
      #expect(dir.files[json] != nil && String(e.file.split(separator: ".").dropLast().last!).count == 8)
    case .taskParentDangling:
      let parent = try #require(try json(e.file)["parentId"]?.stringValue)
      #expect(!exists(task: parent))
    case .taskDependencyDangling:
      #expect(GeneratedDir.strings(try json(e.file), "dependencies").contains { !exists(task: $0) })
    case .taskParentCycle, .taskDependencyCycle:
      #expect(fault.ids.min { $0.utf8.lexicographicallyPrecedes($1.utf8) } == e.id)
      var cursor = e.id
      for _ in fault.ids {
        let t = try #require(dir.task(cursor))
        cursor = try #require(
          c == .taskParentCycle ? t["parentId"]?.stringValue : GeneratedDir.strings(t, "dependencies").first)
      }
      #expect(cursor == e.id, "\(c): following the links does not return to the start")
    case .taskSessionStatusUnlinked:
      let t = try json(e.file)
      let keys = try #require(t["taskSessionStatuses"]?.objectValue?.keys)
      #expect(keys.contains { !GeneratedDir.strings(t, "sessionIds").contains($0) && exists(session: $0) })
    case .sessionDocMissing:
      let doc = try #require(try json(e.file)["docs"]?.arrayValue?.first?.objectValue)
      let path = try #require(doc["contentFilePath"]?.stringValue)
      let relative = try #require(path.range(of: "session-docs/")).lowerBound
      #expect(dir.files[String(path[relative...])] == nil)
    case .enumUnknown:
      let status = try #require(try json(e.file)["status"]?.stringValue)
      #expect(!knownTaskStatuses.contains(status) && !knownSessionStatuses.contains(status))
    case .entityIdHostile:
      #expect(try json(e.file)["id"]?.stringValue == e.id)
      #expect(!EntityId.isSafe(e.id))
    case .fieldType:
      let o = try json(e.file)
      if e.file.hasPrefix("tasks/") {
        #expect(o["dependencies"] == [42, .null])
      } else {
        #expect(o["name"] == 7)
      }
    }
  }
}
