import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The rules of each registered migration on single documents: defaults
/// exactly as servers assume them, key order, idempotence.
@Suite struct MigrationRuleTests {
  static func object(_ text: String) throws -> JSONObject {
    try #require(try JSONParser.parse(text).objectValue)
  }

  static func compact(_ o: JSONObject) -> String { JSONWriter.string(.object(o), style: .compact) }

  @Test func phaseIVATaskDefaultsAppendedLastAndBackfilled() throws {
    var task = try Self.object(#"{"id":"t1","projectId":"p1","x-unknown":{"b":1,"a":2},"timeline":[],"skillIds":null}"#)
    let context = MigrationContext(sessionsListing: ["t1": ["s1", "s2"]])
    Migrations.phaseIVA.apply(task: &task, context: context)
    #expect(
      Self.compact(task)
        == #"{"id":"t1","projectId":"p1","x-unknown":{"b":1,"a":2},"timeline":[],"skillIds":[],"sessionIds":["s1","s2"],"agentIds":[]}"#
    )
    let once = task
    Migrations.phaseIVA.apply(task: &task, context: MigrationContext(sessionsListing: ["t1": ["s9"]]))
    #expect(task == once, "idempotent: present arrays are never replaced")
    // A task no session lists gets [] (what servers assume).
    var lonely = try Self.object(#"{"id":"t2"}"#)
    Migrations.phaseIVA.apply(task: &lonely, context: context)
    #expect(Self.compact(lonely) == #"{"id":"t2","sessionIds":[],"skillIds":[],"agentIds":[]}"#)
  }

  @Test func phaseIVASessionFollowsTheSeedsLoadMigration() throws {
    var s = try Self.object(#"{"id":"s1","taskId":"t1","status":"running","strategy":"simple"}"#)
    Migrations.phaseIVA.apply(session: &s)
    #expect(
      Self.compact(s)
        == #"{"id":"s1","status":"running","strategy":"simple","taskIds":["t1"],"name":"Session s1","env":{},"events":[]}"#)
    let once = s
    Migrations.phaseIVA.apply(session: &s)
    #expect(s == once)
    // JavaScript truthiness: an empty name is replaced; an empty taskId is
    // kept (the seed only converts a truthy one); taskIds present wins.
    var odd = try Self.object(#"{"id":"s2","taskId":"","name":"","env":{"K":"v"},"events":[{"id":"e"}]}"#)
    Migrations.phaseIVA.apply(session: &odd)
    #expect(Self.compact(odd) == #"{"id":"s2","taskId":"","name":"Session s2","env":{"K":"v"},"events":[{"id":"e"}],"taskIds":[]}"#)
    var both = try Self.object(#"{"id":"s3","taskId":"t1","taskIds":["t2"],"name":"n","env":{},"events":[]}"#)
    let unchanged = both
    Migrations.phaseIVA.apply(session: &both)
    #expect(both == unchanged)
  }

  @Test func newerFieldsDefaultsAndSessionStatusConversion() throws {
    var task = try Self.object(#"{"id":"t1","sessionIds":["s1","s2"],"dependencies":[],"sessionStatus":"working"}"#)
    Migrations.newerServerFields.apply(task: &task)
    #expect(
      Self.compact(task)
        == #"{"id":"t1","sessionIds":["s1","s2"],"dependencies":[],"referenceTaskIds":[],"dueDate":null,"taskSessionStatuses":{"s1":"working","s2":"working"}}"#
    )
    let once = task
    Migrations.newerServerFields.apply(task: &task)
    #expect(task == once)
    // No session to carry the status: sessionStatus stays (nothing lost), no map invented.
    var alone = try Self.object(#"{"id":"t2","sessionIds":[],"sessionStatus":"idle","dueDate":"2026-01-02","referenceTaskIds":["t1"]}"#)
    Migrations.newerServerFields.apply(task: &alone)
    #expect(Self.compact(alone) == #"{"id":"t2","sessionIds":[],"sessionStatus":"idle","dueDate":"2026-01-02","referenceTaskIds":["t1"]}"#)
    // An existing map is never touched.
    var current = try Self.object(#"{"id":"t3","referenceTaskIds":[],"dueDate":null,"taskSessionStatuses":{"s1":"done"},"sessionStatus":"x","sessionIds":["s1"]}"#)
    let before = current
    Migrations.newerServerFields.apply(task: &current)
    #expect(current == before)

    var session = try Self.object(#"{"id":"s1","events":[],"metadata":{}}"#)
    Migrations.newerServerFields.apply(session: &session)
    #expect(Self.compact(session) == #"{"id":"s1","events":[],"metadata":{},"timeline":[],"docs":[]}"#)
  }

  @Test func checksumsArePinnedAndDocumented() {
    for m in Migrations.all {
      let text = "maestro-admin migration\nversion: \(m.version)\nname: \(m.name)\n\(m.definition)"
      #expect(m.checksum == SHA256.hex(of: Array(text.utf8)))
    }
    #expect(Migrations.all.map(\.version) == [1, 2, 3])
    // Changing what a migration does must change its definition text, and
    // with it these values: data dirs that recorded the old one are refused.
    #expect(Migrations.phaseIVA.checksum.prefix(12) == "ccdf62d36971")
    #expect(Migrations.newerServerFields.checksum.prefix(12) == "16d6debf1016")
    #expect(Migrations.sessionRootIds.checksum.prefix(12) == "22e03fe0ae22")
  }

  @Test func sessionRootIdIsTheNewestServersStartUpRule() throws {
    // Absent: the session's own id, appended last; strategy stays where it was.
    var legacy = try Self.object(#"{"id":"s1","taskIds":[],"strategy":"simple","status":"idle","docs":[]}"#)
    Migrations.sessionRootIds.apply(session: &legacy)
    #expect(Self.compact(legacy) == #"{"id":"s1","taskIds":[],"strategy":"simple","status":"idle","docs":[],"rootSessionId":"s1"}"#)
    let once = legacy
    Migrations.sessionRootIds.apply(session: &legacy)
    #expect(legacy == once, "idempotent")
    // Falsy (null, ""): replaced in place, as `session.rootSessionId = session.id` does in Node.
    var null = try Self.object(#"{"id":"s2","parentSessionId":null,"rootSessionId":null,"teamId":null}"#)
    Migrations.sessionRootIds.apply(session: &null)
    #expect(Self.compact(null) == #"{"id":"s2","parentSessionId":null,"rootSessionId":"s2","teamId":null}"#)
    var empty = try Self.object(#"{"id":"s3","rootSessionId":""}"#)
    Migrations.sessionRootIds.apply(session: &empty)
    #expect(Self.compact(empty) == #"{"id":"s3","rootSessionId":"s3"}"#)
    // A child without a root gets its own id too: that is what the server writes.
    var child = try Self.object(#"{"id":"s4","parentSessionId":"s1"}"#)
    Migrations.sessionRootIds.apply(session: &child)
    #expect(Self.compact(child) == #"{"id":"s4","parentSessionId":"s1","rootSessionId":"s4"}"#)
    // A truthy root is never touched, whatever it names.
    var rooted = try Self.object(#"{"id":"s5","parentSessionId":"s4","rootSessionId":"s1"}"#)
    let before = rooted
    Migrations.sessionRootIds.apply(session: &rooted)
    #expect(rooted == before)
    // Tasks are not touched.
    var task = try Self.object(#"{"id":"t1","sessionIds":[]}"#)
    let taskBefore = task
    Migrations.sessionRootIds.apply(task: &task)
    #expect(task == taskBefore)
  }
}
