/// Why a task waits after its dependencies before it starts (`TaskGraph.delayStart`):
/// what the trace and the timeline name the wait.
public enum StartDelayCause: String, Sendable, CaseIterable {
    /// Horovod's background thread: the rest of its cycle, the negotiation, and the
    /// copies into and out of the fusion buffer (`TensorFusion`).
    case fusion = "fusion wait"
    /// A parameter server's sum, average and update of a gradient between the pushes
    /// and the pulls (`ParameterServers.serverSeconds`).
    case serverUpdate = "server update"
}
