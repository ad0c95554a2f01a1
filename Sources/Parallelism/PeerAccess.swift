/// Which GPUs can copy to each other peer to peer, as a training stack asks the
/// driver (`cudaDeviceCanAccessPeer`) before it builds its copy tree: GPUs of one node
/// as the node's matrix says for their local indices, never GPUs of different nodes.
public struct PeerAccess: Sendable, Equatable {
    /// GPUs per node (GPU g is local GPU g % gpusPerNode of node g / gpusPerNode).
    public var gpusPerNode: Int
    /// `local[i][j]`: whether local GPU i can copy to local GPU j directly.
    public var local: [[Bool]]

    public init(gpusPerNode: Int, local: [[Bool]]) {
        precondition(gpusPerNode > 0 && local.count == gpusPerNode && local.allSatisfy { $0.count == gpusPerNode })
        self.gpusPerNode = gpusPerNode
        self.local = local
    }

    /// Whether GPUs `a` and `b` can copy to each other directly.
    public func canPeer(_ a: Int, _ b: Int) -> Bool {
        a / gpusPerNode == b / gpusPerNode && local[a % gpusPerNode][b % gpusPerNode]
    }
}
