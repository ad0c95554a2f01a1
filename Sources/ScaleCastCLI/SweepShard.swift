import Planning
import YAMLSupport

/// The part of a sweep one process computes: shard `index` of `count`, every
/// `count`-th point from the `index`-th (1-based), so that the shards of a job
/// array cover the sweep once between them and `scalecast merge` joins them.
struct SweepShard: Equatable {
    var index: Int
    var count: Int
    /// Where the shard came from when no `--shard` was given (the Slurm variables), for a note on standard error.
    var origin: String?

    /// `I/N`, as the sweep's header records it.
    var text: String { "\(index)/\(count)" }

    /// The Slurm variables of a job array task (Slurm's job array documentation,
    /// https://slurm.schedmd.com/job_array.html, and sbatch's "OUTPUT ENVIRONMENT VARIABLES").
    enum Slurm {
        static let id = "SLURM_ARRAY_TASK_ID", count = "SLURM_ARRAY_TASK_COUNT"
        static let min = "SLURM_ARRAY_TASK_MIN", step = "SLURM_ARRAY_TASK_STEP"
    }

    /// The shard `--shard I/N` names; without it, inside a Slurm job array, the
    /// array task's place in the array; otherwise nil (the whole sweep).
    ///
    /// A Slurm array submitted as `--array=A-B` or `--array=A-B:S` has
    /// `SLURM_ARRAY_TASK_COUNT` tasks with the indices A, A+S, ..., from
    /// `SLURM_ARRAY_TASK_MIN` (A; 0 when unset) in steps of `SLURM_ARRAY_TASK_STEP`
    /// (S; 1 when unset): the task with index `SLURM_ARRAY_TASK_ID` computes shard
    /// (ID - A) / S + 1 of COUNT. An array given as a list (`--array=1,5,9`) has no
    /// such order and is refused: pass `--shard` in it instead.
    /// - Throws: `UsageError` naming the option or variable that is wrong and its value.
    static func select(option: String?, environment: [String: String]) throws -> SweepShard? {
        if let option { return try parse(option) }
        let id = environment[Slurm.id], count = environment[Slurm.count]
        guard id != nil || count != nil else { return nil }
        guard let id else { throw UsageError(message: "\(Slurm.count) is set but \(Slurm.id) is not: pass --shard I/N") }
        guard let count else { throw UsageError(message: "\(Slurm.id) is set but \(Slurm.count) is not: pass --shard I/N") }
        let taskID = try whole(id, Slurm.id, atLeast: 0)
        let tasks = try whole(count, Slurm.count, atLeast: 1)
        let first = try environment[Slurm.min].map { try whole($0, Slurm.min, atLeast: 0) } ?? 0
        let step = try environment[Slurm.step].map { try whole($0, Slurm.step, atLeast: 1) } ?? 1
        let offset = taskID - first
        guard offset >= 0, offset % step == 0, offset / step < tasks else {
            throw UsageError(message: "\(Slurm.id)=\(taskID) is not one of the \(tasks) indices from \(first) in steps of \(step) "
                             + "(\(Slurm.min), \(Slurm.step)); sweep shards an array submitted as --array=A-B or A-B:S, "
                             + "or pass --shard I/N")
        }
        let shard = offset / step + 1
        var origin = "\(Slurm.id)=\(taskID), \(Slurm.count)=\(tasks)"
        if first != 0 || step != 1 { origin += ", \(Slurm.min)=\(first), \(Slurm.step)=\(step)" }
        return SweepShard(index: shard, count: tasks, origin: origin)
    }

    /// `I/N` with 1 <= I <= N.
    static func parse(_ text: String) throws -> SweepShard {
        // One reading of I/N for sweep and merge: what sweep takes, merge accepts.
        guard let position = SweepDocument.shardPosition(text) else {
            throw UsageError(message: "--shard: expected I/N with 1 <= I <= N, got '\(text.singleLine)'")
        }
        return SweepShard(index: position.index, count: position.count)
    }

    private static func whole(_ text: String, _ variable: String, atLeast low: Int) throws -> Int {
        guard let value = NumberText.whole(text), value >= low else {
            throw UsageError(message: "\(variable): expected a whole number of at least \(low), got '\(text.singleLine)'")
        }
        return value
    }
}
