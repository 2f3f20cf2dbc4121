/// Cycles in the task graph: `parentId` chains (each task has at most one
/// parent, so every cycle is a simple loop) and `dependencies` (any
/// directed graph: strongly connected groups, Tarjan's algorithm without
/// recursion so deep chains cannot exhaust the stack).
///
/// Nodes are dense indices `0..<count`; edges to tasks that do not exist
/// are left out by the caller.
enum TaskGraphCycles {
  /// The loops of a graph where every node has at most one successor.
  ///
  /// Each loop is returned once, as its members in edge order starting
  /// from the member `precedes` puts first. Tasks that lead into a loop
  /// without being on it are not members.
  static func parentLoops(
    count: Int, parent: (Int) -> Int?, precedes: (Int, Int) -> Bool
  ) -> [[Int]] {
    var state = [UInt8](repeating: 0, count: count)  // 0 new, 1 on the walk, 2 done
    var loops: [[Int]] = []
    var walk: [Int] = []
    for start in 0..<count where state[start] == 0 {
      walk.removeAll(keepingCapacity: true)
      var next: Int? = start
      while let v = next, state[v] == 0 {
        state[v] = 1
        walk.append(v)
        next = parent(v)
      }
      if let v = next, state[v] == 1, let from = walk.firstIndex(of: v) {
        let loop = Array(walk[from...])
        let first = loop.indices.min { precedes(loop[$0], loop[$1]) }!
        loops.append(Array(loop[first...] + loop[..<first]))
      }
      for v in walk { state[v] = 2 }
    }
    return loops
  }

  /// The strongly connected groups that contain a cycle: two or more
  /// nodes, or one node with an edge to itself.
  ///
  /// - Parameter edges: (from, to) pairs; nodes without edges cost nothing
  ///   beyond their slot in the index arrays.
  static func stronglyConnectedCycles(count: Int, edges: [(Int32, Int32)]) -> [[Int]] {
    guard !edges.isEmpty else { return [] }
    // Compressed adjacency: the successors of v are targets[offsets[v]..<offsets[v + 1]].
    var offsets = [Int32](repeating: 0, count: count + 1)
    for (from, _) in edges { offsets[Int(from) + 1] += 1 }
    for v in 0..<count { offsets[v + 1] += offsets[v] }
    var fill = offsets
    var targets = [Int32](repeating: 0, count: edges.count)
    for (from, to) in edges {
      targets[Int(fill[Int(from)])] = to
      fill[Int(from)] += 1
    }

    var index = [Int32](repeating: -1, count: count)
    var low = [Int32](repeating: 0, count: count)
    var onStack = [Bool](repeating: false, count: count)
    var stack: [Int] = []
    var counter: Int32 = 0
    var groups: [[Int]] = []
    // (node, next successor position in targets)
    var frames: [(node: Int, position: Int)] = []

    func visit(_ v: Int) {
      index[v] = counter
      low[v] = counter
      counter += 1
      stack.append(v)
      onStack[v] = true
      frames.append((v, Int(offsets[v])))
    }

    for root in 0..<count where index[root] < 0 && offsets[root + 1] > offsets[root] {
      visit(root)
      while let (v, position) = frames.last {
        if position < Int(offsets[v + 1]) {
          frames[frames.count - 1].position += 1
          let w = Int(targets[position])
          if index[w] < 0 {
            visit(w)
          } else if onStack[w] {
            low[v] = min(low[v], index[w])
          }
          continue
        }
        frames.removeLast()
        if let (parent, _) = frames.last { low[parent] = min(low[parent], low[v]) }
        guard low[v] == index[v] else { continue }
        var group: [Int] = []
        while let w = stack.popLast() {
          onStack[w] = false
          group.append(w)
          if w == v { break }
        }
        let selfLoop = targets[Int(offsets[v])..<Int(offsets[v + 1])].contains(Int32(v))
        if group.count > 1 || selfLoop { groups.append(group) }
      }
    }
    return groups
  }
}
