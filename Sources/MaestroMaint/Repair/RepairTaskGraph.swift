import MaestroStorage

/// The parent and dependency edges of every task, with each task's file and
/// `updatedAt`, for choosing which edge of a cycle to break. Built only
/// when check reports a cycle.
struct RepairTaskGraph {
  /// One edge to remove: in `file` (task `from`), the link to `to`.
  struct Edge: Equatable {
    var file: String
    var from: String
    var to: String
  }

  private struct Node {
    var file: String
    var parent: String?
    var dependencies: [String]
    var updatedAt: Double
  }

  private var nodes: [String: Node] = [:]

  /// Reads every task file of `index` (project-folder files win over flat
  /// copies of the same id).
  init(index: RepairIndex) {
    for file in index.taskFiles {
      guard let o = index.object(file.relativePath), let id = o["id"]?.stringValue, nodes[id] == nil else {
        continue
      }
      nodes[id] = Node(
        file: file.relativePath, parent: o["parentId"]?.stringValue,
        dependencies: (o["dependencies"]?.arrayValue ?? []).compactMap(\.stringValue),
        updatedAt: RepairIndex.updatedAt(o))
    }
  }

  /// The member updated last (ties: the bytewise-smallest id).
  private func latest(_ members: [String]) -> String? {
    members.max { a, b in
      let (ta, tb) = (nodes[a]?.updatedAt ?? -.infinity, nodes[b]?.updatedAt ?? -.infinity)
      return ta != tb ? ta < tb : b.utf8.lexicographicallyPrecedes(a.utf8)
    }
  }

  /// The parent edge to clear for the parent cycle through `start`.
  func parentEdgeToBreak(from start: String) -> Edge? {
    var members = [start]
    var current = nodes[start]?.parent
    while let c = current, c != start {
      guard nodes[c] != nil, !members.contains(c), members.count <= nodes.count else { return nil }
      members.append(c)
      current = nodes[c]?.parent
    }
    guard current == start, let m = latest(members), let node = nodes[m], let parent = node.parent else {
      return nil
    }
    return Edge(file: node.file, from: m, to: parent)
  }

  /// The dependency edge to remove for the strongly connected group of
  /// `start`: from its latest-updated member to the first of that member's
  /// dependencies inside the group.
  func dependencyEdgeToBreak(from start: String) -> Edge? {
    let forward = reach(from: start) { nodes[$0]?.dependencies ?? [] }
    var reverse: [String: [String]] = [:]
    for (id, node) in nodes {
      for d in node.dependencies where forward.contains(d) { reverse[d, default: []].append(id) }
    }
    let backward = reach(from: start) { reverse[$0] ?? [] }
    let group = forward.intersection(backward)
    guard group.count > 1 || (nodes[start]?.dependencies.contains(start) ?? false),
      let m = latest(Array(group)), let node = nodes[m],
      let next = node.dependencies.first(where: { group.contains($0) })
    else { return nil }
    return Edge(file: node.file, from: m, to: next)
  }

  private func reach(from start: String, _ next: (String) -> [String]) -> Set<String> {
    var seen: Set<String> = [start]
    var stack = [start]
    while let v = stack.popLast() {
      for w in next(v) where nodes[w] != nil && seen.insert(w).inserted { stack.append(w) }
    }
    return seen
  }
}
