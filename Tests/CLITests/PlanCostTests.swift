import Foundation
import Testing
@testable import ScaleCastCLI

/// `plan` on bought hardware: capex and TCO per configuration, the price basis, and
/// the two budgets (issue 15, "Costs a buyer recognises").
@Suite struct PlanCostTests {
    /// Two GPU types (H100 and A100 runs), owned; 8 and 16 GPUs each. At $350,000 only
    /// the 8-GPU configurations can be bought (capex about $312k and $163k; the 16-GPU
    /// ones need a second server and an NDR network, $400k and more).
    static let scenario = "scenarios/examples/buy-h100-or-a100.yaml"

    /// Under a capex budget, the configuration named among those only the budget keeps from the
    /// deadline is the one nearest the budget up front (16 H100s, capex about $702k), not the
    /// cheapest to train (32 A100s, about $774k up front), and nothing asks for more GPUs.
    @Test func aCapexBudgetNamesTheConfigurationNearestIt() throws {
        let out = CLI.execute(["plan", Self.scenario, "--vary", "gpus=8,16,32", "--deadline-hours", "1", "--capex-budget", "300000", "--quiet"])
        #expect(out.exitCode == 1, "\(out.stderr)")
        #expect(out.stdout.contains("No configuration within a capex of $300,000 meets the deadline, but 3 beyond the budget do: "
                                    + "the nearest to it, H100 on 16 x H100-SXM5, data, takes"), "\(out.stdout)")
        #expect(out.stdout.contains("$402,279 over the capex budget") && !out.stdout.contains("more or faster GPUs"), "\(out.stdout)")
    }

    /// A budget no configuration meets leaves the lists empty, saying why, and the front is drawn
    /// from every configuration that fits: what each budget would buy. A budget some meet keeps
    /// the front to them.
    @Test func aBudgetNothingMeetsShowsTheFrontOfEveryConfigurationThatFits() throws {
        let out = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "3", "--budget", "50", "--quiet"])
        #expect(out.exitCode == 1, "\(out.stderr)")
        #expect(out.stdout.contains("Cheapest that finish within 3 h (none within a cost to train of $50.00)\n(none)"), "\(out.stdout)")
        let front = try #require(out.stdout.components(separatedBy: "Cost-time Pareto front of the 4 configurations that fit, budgets aside").last)
        #expect(front.contains("resnet50     8 ") && front.contains("AWS p4d.24xlarge") && !front.hasPrefix("\n(none)"), "\(out.stdout)")
        // The JSON carries the same front under its own key; the candidates' front is empty.
        let json = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "3", "--budget", "50", "--json", "--quiet"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let model = try #require((document["models"] as? [[String: Any]])?.first)
        #expect((model["pareto_front"] as? [Any])?.isEmpty == true && (model["pareto_front_budgets_aside"] as? [Any])?.count == 4, "\(model)")
        #expect((document["sources"] as? [String: Any])?.isEmpty == false, "\(json.stdout)")
        let some = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "3", "--budget", "86.1", "--quiet"])
        #expect(some.exitCode == 0 && some.stdout.contains("Cost-time Pareto front (no configuration is both cheaper and faster)")
                && !some.stdout.contains("budgets aside"), "\(some.stdout)")
        let someJSON = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "3", "--budget", "86.1", "--json", "--quiet"])
        let someModel = try #require(((try JSONSerialization.jsonObject(with: Data(someJSON.stdout.utf8)) as? [String: Any])?["models"]
                                      as? [[String: Any]])?.first)
        #expect((someModel["pareto_front_budgets_aside"] as? [Any])?.isEmpty == true, "\(someModel)")
    }

    /// The A100's bill prices its servers with figures of 2020-05 to 2022-01 beside GPUs seen mid-2024 to
    /// 2025-03: cautioned, in the text and the JSON's notes; the H100's parts lie within two years of its GPUs'.
    /// Each run's bill is its own: a run stating today's server price beside one taking the catalog's does not
    /// hide the other's; with the GPUs' price stated (undated), the parts are compared with the newest of them.
    @Test func anOwnedBillOfPartsYearsApartIsCautioned() throws {
        let out = CLI.execute(["plan", Self.scenario, "--quiet"])
        #expect(out.stdout.contains("An owned cluster's bill prices parts with figures seen more than two years apart "
                                    + "(A100 on A100-SXM4-80GB: GPUs seen mid-2024 to 2025-03, servers seen 2020-05 to 2022-01): "), "\(out.stdout)")
        #expect(!out.stdout.contains("H100-SXM5: GPUs seen"), "\(out.stdout)")
        // Bills of two networks whose parts are dated alike: one entry naming both, the dates once.
        let networks = CLI.execute(["plan", Self.scenario, "--vary", "cluster.network.link=ib-hdr,ib-ndr", "--quiet"])
        #expect(networks.stdout.contains("(A100 on A100-SXM4-80GB (cluster.network.link=ib-hdr), A100 on A100-SXM4-80GB "
                                         + "(cluster.network.link=ib-ndr): GPUs seen mid-2024 to 2025-03, servers seen 2020-05 to 2022-01): "),
                "\(networks.stdout)")
        let json = CLI.execute(["plan", Self.scenario, "--json", "--quiet"])
        let notes = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("An owned cluster's bill prices parts") }, "\(notes)")
        let text = try String(contentsOfFile: Self.scenario, encoding: .utf8)
        // The parts' prices all stated in the scenario carry no date: nothing to caution.
        let stated = text.replacingOccurrences(of: "pricing: {mode: owned,", with: "pricing: {mode: owned, server_usd_per_node: 40000,")
        let restated = CLI.execute(["plan", try writeTemporary(stated), "--quiet"])
        #expect(restated.exitCode == 0 && !restated.stdout.contains("bill prices parts"), "\(restated.stderr)\(restated.stdout)")
        // Two A100 runs, one stating its server price, both in the deadline's table: the other's bill is still cautioned.
        let twoRuns = text.replacingOccurrences(of: "  - {label: H100, cluster: {gpu: H100-SXM5}}",
                                                with: "  - {label: stated, cluster: {gpu: A100-SXM4-80GB}, pricing: {server_usd_per_node: 40000}}")
        let both = CLI.execute(["plan", try writeTemporary(twoRuns), "--deadline-hours", "12", "--quiet"])
        #expect(both.stdout.contains("(A100 on A100-SXM4-80GB: GPUs seen mid-2024 to 2025-03, servers seen 2020-05 to 2022-01)")
                && !both.stdout.contains("stated on A100"), "\(both.stderr)\(both.stdout)")
        // The GPUs' price stated: the catalog's servers of 2020-2022 against its NICs of 2024-2026, at 16 GPUs.
        let gpusStated = text.replacingOccurrences(of: "pricing: {mode: owned,", with: "pricing: {mode: owned, purchase_per_gpu: 20000,")
        let undated = CLI.execute(["plan", try writeTemporary(gpusStated), "--run", "A100", "--quiet"])
        #expect(undated.stdout.contains("A100-SXM4-80GB: NICs seen") && undated.stdout.contains("servers seen 2020-05 to 2022-01"),
                "\(undated.stderr)\(undated.stdout)")
    }

    /// In the cloud an instance is rented whole: 4 H100s on Lambda's 8-GPU instance pay for 8, the plan says
    /// so and does not recommend them over the 8 that fill it (an audit found 1 GPU of 8 priced at an eighth).
    @Test func aCloudConfigurationThatLeavesPartOfAnInstanceIdlePaysForIt() throws {
        let cloud = try String(contentsOfFile: Self.scenario, encoding: .utf8)
            .replacingOccurrences(of: #"pricing: \{mode: owned[^}]*\}"#, with: "pricing: {mode: cloud}", options: .regularExpression)
        let out = CLI.execute(["plan", try writeTemporary(cloud), "--run", "H100", "--vary", "gpus=4,8", "--deadline-hours", "12", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("H100 on 8 x H100-SXM5, data is the cheapest way to meet the deadline"), "\(out.stdout)")
        #expect(out.stdout.contains("A cloud instance is rented whole: a configuration that leaves part of one idle pays for all of it, so its "
                                    + "$/GPU-h is above the offer's (4 x H100-SXM5 on 1 Lambda 8x H100 SXM of 8 GPUs)."), "\(out.stdout)")
    }

    @Test func ownedPlanPrintsCapexTCOAndPriceBasisAndRespectsTheCapexBudget() throws {
        let out = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--capex-budget", "350000", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "4 configurations fit in memory, of 4 searched; 2 are within a capex of $350,000.")
        // Every cost table shows the global batch, the time to train, the cost, the offer and its $/GPU-hour, capex and TCO.
        let headers = lines.filter { $0.hasPrefix("run ") }
        #expect(headers.count == 3)
        for header in headers {
            for column in ["global batch", "hours", "cost $", "$/GPU-h", "offer", "capex $", "TCO $"] { #expect(header.contains(column), "\(column)") }
        }
        // Only the smaller configurations are ranked: both GPU types at 8 GPUs, none at 16.
        let rows = lines.filter { $0.hasPrefix("H100 ") || $0.hasPrefix("A100 ") }
        #expect(!rows.isEmpty)
        for row in rows {
            let cells = row.split(separator: " ", omittingEmptySubsequences: true)
            #expect(cells[1] == "8", "\(row)")
            let capex = try #require(Double(cells[cells.count - 2].replacingOccurrences(of: ",", with: "")))
            let tco = try #require(Double(cells[cells.count - 1].replacingOccurrences(of: ",", with: "")))
            #expect(capex <= 350_000 && tco > capex, "\(row)")
        }
        #expect(Set(rows.map { $0.prefix(4) }) == ["H100", "A100"])
        #expect(out.stdout.contains("2 of 4 configurations that fit in memory exceed a capex of $350,000."))
        // The runner-up's cost to train is a share of its life: what it buys up front is said beside it, and what that share means.
        let upFront = try #require(out.stdout.range(of: #"costs \$[0-9.,]+ more to train and \$[0-9,]+ more up front \(capex \$[0-9,]+\)"#,
                                                     options: .regularExpression), "\(out.stdout)")
        #expect(!out.stdout[upFront].isEmpty)
        #expect(out.stdout.contains("An owned cluster's cost to train is its TCO per busy hour times the hours of training: busy all its life"))
        // One configuration within the budget is said in the singular.
        let one = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--capex-budget", "200000", "--quiet"])
        #expect(one.stdout.hasPrefix("4 configurations fit in memory, of 4 searched; 1 is within a capex of $200,000."), "\(one.stdout.prefix(200))")
        // The price basis: every figure, dated, with its sources expanded.
        let basis = try #require(out.stdout.components(separatedBy: "Price basis (dated, not current; docs/costs.md)\n").last)
        #expect(basis.contains("owned, 4-year life, H100-SXM5 (for 8 x H100-SXM5): $"))
        #expect(basis.contains("bought: GPUs 8 x $") && basis.contains("servers 1 x $") && basis.contains("host power 1 x 4600 W x PUE 1.3 at $0.12/kWh"))
        #expect(basis.contains("\n  [epoch] Epoch AI, hardware price dataset (https://github.com/epoch-research/training-cost-trends"))

        // Without the budget the 16-GPU configurations come back.
        let open = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--quiet"])
        #expect(open.stdout.range(of: #"(H100|A100) +16 +[0-9,]+ +(H100-SXM5|A100-SXM4-80GB)"#, options: .regularExpression) != nil)
    }

    /// An owned cluster's bill depends on its network: a network what-if lists each
    /// setting's basis (not the first one twice), and a price the scenario states says so once.
    @Test func theBasisOfEachNetworkSettingIsListed() throws {
        let path = try writeTemporary("""
            name: owned network what-if
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, network: {link: eth-25g, nics_per_node: 1}}
            strategy: {kind: data}
            training: {epochs: 90}
            pricing:
              mode: owned
              lifetime_years: 4
              power_usd_per_kwh: 0.12
              pue: 1.3
              network:
                - {gbit_per_s: 25, nic_usd: 469, switch_ports: 48, switch_usd: 8000, cable_usd: 50}
                - {gbit_per_s: 100, nic_usd: 900, switch_ports: 32, switch_usd: 18000, cable_usd: 150}
            gpus: [32]
            """)
        let out = CLI.execute(["plan", path, "--deadline-hours", "100", "--vary", "network_gbps=25,100", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let basis = try #require(out.stdout.components(separatedBy: "Price basis (dated, not current; docs/costs.md)\n").last)
        #expect(basis.contains("(for 32 x A100-SXM4-80GB, network_gbps=25): ") && basis.contains("NICs 4 x $469.00"), "\(basis)")
        #expect(basis.contains("(for 32 x A100-SXM4-80GB, network_gbps=100): ") && basis.contains("NICs 4 x $900.00"), "\(basis)")
        #expect(basis.contains("(25 Gb/s ethernet NIC; stated in the scenario)") && !basis.contains("scenario stated"), "\(basis)")
        // A setting that does not change the bill (the batch) adds no line.
        let batches = CLI.execute(["plan", path, "--deadline-hours", "100", "--vary", "network_gbps=25,100", "--vary", "batch_per_gpu=128,256",
                                   "--quiet"])
        let bills = batches.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  owned, 4-year life, A100-SXM4-80GB (for ") }
        #expect(bills.count == 2 && !bills.contains { $0.contains("batch_per_gpu") }, "\(bills)")
        // An owned bill changes with the GPUs (servers, NICs, a switch): each configuration shown has its own,
        // the answer's first (it was once the largest configuration's alone).
        let sizes = CLI.execute(["plan", path, "--deadline-hours", "100", "--vary", "gpus=8,16,32", "--quiet"])
        let sized = sizes.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  owned, 4-year life, A100-SXM4-80GB (for ") }
        let answer = try #require(sizes.stdout.range(of: #"on (8|16|32) x A100-SXM4-80GB"#, options: .regularExpression), "\(sizes.stdout)")
        let answerGPUs = sizes.stdout[answer].split(separator: " ")[1]
        #expect(sized.count == 3 && sized[0].contains("(for \(answerGPUs) x A100-SXM4-80GB)"), "\(sized)")
        #expect(Set(sized.map { $0.contains("servers 1 x $") }) == [true, false], "\(sized)")
    }

    /// Without --deadline-hours there is no deadline to meet: the winner is the cheapest, said so.
    @Test func withoutADeadlineTheCheapestIsNamedAsSuch() throws {
        let out = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--vary", "gpus=8,16", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("is the cheapest configuration (no deadline given): "), "\(out.stdout)")
        #expect(!out.stdout.contains("meet the deadline") && !out.stdout.contains("that meets it"), "\(out.stdout)")
    }

    /// Where owned and rented configurations both meet the deadline, the plan says how busy the
    /// owned cluster must be to train for less; not under --pessimistic, not with one mode only.
    @Test func buyOrRentIsAnsweredWithTheBreakEvenUtilization() throws {
        let both = try writeTemporary("""
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-ndr, nics_per_node: 8}}
            training: {images: 1281167, epochs: 90}
            pricing: {mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.12, pue: 1.3}
            gpus: [8, 16]
            runs:
              - {label: owned}
              - {label: rented, pricing: {mode: cloud}}
            """)
        let out = CLI.execute(["plan", both, "--deadline-hours", "12", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let note = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("Buy or rent") }.map(String.init), "\(out.stdout)")
        let pattern = #/^Buy or rent: owned on (\d+) x H100-SXM5, data \(\$[0-9.,]+ to train, busy all of its 4-year life\) costs less to train than the cheapest rented configuration that meets the deadline, rented on \d+ x H100-SXM5, data \(\$([0-9.,]+)\), while the cluster trains at least (\d+)% of its life; less busy, renting costs less/#
        let match = try #require(note.firstMatch(of: pattern), "\(note)")
        // The percent is the break-even: owning at it costs no more than the rental, at a point less it costs more.
        let rented = try #require(Double(match.output.2.replacingOccurrences(of: ",", with: "")))
        let percent = try #require(Int(match.output.3))
        let costs = CLI.execute(["sweep", both, "--run", "owned", "--vary", "gpus=\(match.output.1)", "--vary",
                                 "pricing.utilization=\(Double(percent - 1) / 100),\(Double(percent) / 100)", "--quiet"])
        let lines = costs.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(lines.first?.firstIndex(of: "cost_usd"), "\(costs.stdout)")
        let owned = lines.dropFirst().compactMap { Double($0[column]) }
        #expect(owned.count == 2 && owned[0] > rented && owned[1] <= rented + 0.005, "\(owned) against \(rented)")
        // Stated below the break-even, the rental is named the cheaper there, and the break-even beside it.
        let idle = try writeTemporary(try String(contentsOfFile: both, encoding: .utf8)
            .replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, utilization: 0.1}"))
        let idleNote = CLI.execute(["plan", idle, "--deadline-hours", "12", "--quiet"]).stdout
        #expect(idleNote.contains("Buy or rent: at the utilization stated, the cheapest rented configuration that meets the deadline, "
                                  + "rented on ") && idleNote.contains("10% busy, as pricing.utilization states); owning costs less once "
                                  + "the cluster trains at least \(percent)% of its life"), "\(idleNote)")
        #expect(!CLI.execute(["plan", both, "--deadline-hours", "12", "--quiet", "--pessimistic"]).stdout.contains("Buy or rent"))
        #expect(!CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--quiet"]).stdout.contains("Buy or rent"))
    }

    /// A cost-to-train budget alone over owned configurations is said not to bound the purchase;
    /// with --capex-budget beside it, or over cloud rental, nothing is said.
    @Test func aCloudBudgetOverOwnedClustersSaysItIsNoCapexBudget() throws {
        let owned = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--cloud-budget", "2000000", "--quiet"])
        #expect(owned.exitCode == 0 && owned.stderr.contains("note: --cloud-budget (or --budget) bounds what each training costs, "
            + "an owned cluster's by the hour it trains; it does not bound the purchase: give --capex-budget"), "\(owned.stderr)")
        let both = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--cloud-budget", "2000000", "--capex-budget", "2000000", "--quiet"])
        #expect(both.exitCode == 0 && both.stderr.isEmpty, "\(both.stderr)")
        let cloud = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "12", "--budget", "1000", "--quiet"])
        #expect(cloud.exitCode == 0 && cloud.stderr.isEmpty, "\(cloud.stderr)")
        // A capex budget over rentals only bounds nothing: said so.
        let rentedCapex = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "12", "--capex-budget", "100", "--quiet"])
        #expect(rentedCapex.exitCode == 0 && rentedCapex.stderr.contains("note: --capex-budget bounds what an owned cluster costs up front; "
            + "every configuration searched is rented"), "\(rentedCapex.stderr)")
    }

    /// A configuration that misses the deadline by under 1% is named with the answer (a table
    /// rounding its time reads as meeting it); one that misses by 2% is not.
    @Test func aNearMissIsNamedWithTheAnswer() throws {
        let base = ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--vary", "gpus=8,16"]
        let document = try #require(try JSONSerialization.jsonObject(with: Data(CLI.execute(base + ["--json"]).stdout.utf8)) as? [String: Any])
        let rows = try #require((document["models"] as? [[String: Any]])?.first?["meeting_deadline"] as? [[String: Any]])
        let eight = try #require(rows.first { $0["gpus"] as? Int == 8 }?["time_to_train_seconds"] as? Double)
        let near = CLI.execute(base + ["--deadline-hours", "\(eight / 3600 / 1.005)", "--quiet"])
        #expect(near.exitCode == 0, "\(near.stderr)")
        #expect(near.stdout.contains("is the cheapest way to meet the deadline") && near.stdout.contains(" Just over the deadline, resnet50 on 8 x ")
                && near.stdout.contains(" over) for $") && near.stdout.contains("within the simulator's errors, not a clear miss."), "\(near.stdout)")
        let clear = CLI.execute(base + ["--deadline-hours", "\(eight / 3600 / 1.02)", "--quiet"])
        #expect(clear.exitCode == 0 && !clear.stdout.contains("Just over the deadline"), "\(clear.stdout)")
    }

    /// An owned cluster's cost to train spreads its capex over a busy life, so a far larger
    /// purchase can train for a few cents less: the answer names the configuration that meets the
    /// deadline within 1% of its cost and buys the least up front (a walkthrough's plan bought
    /// 128 GPUs over 32 to save 0.5%).
    @Test func aSmallerPurchaseWithinOnePercentIsNamed() throws {
        let scenario = try writeTemporary(Self.ownedH100(network: "{link: eth-100g, nics_per_node: 1}", gpus: "[16, 32, 64, 128]"))
        let out = CLI.execute(["plan", scenario, "--deadline-hours", "0.5", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let answer = try #require(out.stdout.split(separator: "\n").first { $0.contains("is the cheapest way to meet the deadline") })
        #expect(answer.hasPrefix("resnet50 on 128 x H100-SXM5"), "\(answer)")
        #expect(answer.contains("Within 1% of the answer's $14.24 cost to train (far inside the simulator's errors), resnet50 on 32 x "
                                + "H100-SXM5, data meets the deadline in 20 min for $"), "\(answer)")
        // Named once: where it is the runner-up, the runner-up's sentence says it.
        let two = CLI.execute(["plan", scenario, "--deadline-hours", "0.5", "--vary", "gpus=32,128", "--quiet"])
        #expect(two.exitCode == 0 && !two.stdout.contains("Within 1% of the answer's")
                && two.stdout.contains("The next cheapest that meets it, resnet50 on 32 x H100-SXM5"), "\(two.stdout)")
        // A deadline only the largest meets leaves no smaller purchase to name.
        let tight = CLI.execute(["plan", scenario, "--deadline-hours", "0.09", "--quiet"])
        #expect(tight.exitCode == 0 && !tight.stdout.contains("Within 1% of the answer's"), "\(tight.stdout)")
    }

    /// Two runs whose bills differ only in what the runs set (their networks) name their runs in
    /// the price basis, which would otherwise read alike; one run's lines name none.
    @Test func priceBasisLinesThatWouldReadAlikeNameTheirRuns() throws {
        let text = Self.ownedH100(network: "{link: ib-ndr, nics_per_node: 8}", gpus: "[16]")
        let two = CLI.execute(["plan", try writeTemporary(text + "\nruns:\n  - {label: ib}\n  - {label: eth, cluster: {network: {link: eth-100g, nics_per_node: 1}}}\n"),
                               "--deadline-hours", "10", "--quiet"])
        #expect(two.exitCode == 0, "\(two.stderr)")
        #expect(two.stdout.contains("  owned, 4-year life, H100-SXM5 (for run ib: 16 x H100-SXM5): $")
                && two.stdout.contains("  owned, 4-year life, H100-SXM5 (for run eth: 16 x H100-SXM5): $"), "\(two.stdout)")
        let one = CLI.execute(["plan", try writeTemporary(text), "--deadline-hours", "10", "--quiet"])
        #expect(one.exitCode == 0 && one.stdout.contains("  owned, 4-year life, H100-SXM5 (for 16 x H100-SXM5): $"), "\(one.stdout)")
        // Runs whose bills are the same (they differ in the batch alone) share one line, naming no run.
        let same = CLI.execute(["plan", try writeTemporary(text + "\nruns:\n  - {label: big}\n  - {label: small, batch_per_gpu: 128}\n"),
                                "--deadline-hours", "10", "--quiet"])
        #expect(same.exitCode == 0 && !same.stdout.contains("(for run ")
                && same.stdout.components(separatedBy: "  owned, 4-year life, H100-SXM5 (for 16 x H100-SXM5): $").count == 2, "\(same.stdout)")
    }

    /// An owned 8-GPU H100 cluster with the scenario's network and GPU counts, Ethernet switches priced by the scenario.
    static func ownedH100(network: String, gpus: String) -> String {
        """
        name: owned H100
        model: resnet50
        batch_per_gpu: 256
        precision: bf16
        cluster: {gpu: H100, gpus_per_node: 8, fabric: nvswitch, network: \(network)}
        training: {images: 1281167, epochs: 90}
        pricing:
          mode: owned
          lifetime_years: 4
          power_usd_per_kwh: 0.12
          pue: 1.3
          network: [{kind: ethernet, gbit_per_s: 100, nic_usd: 900, switch_ports: 32, switch_usd: 18000, cable_usd: 150}]
        gpus: \(gpus)
        """
    }

    /// Prices seen years apart (an A100 offer of 2022-08 beside an H100 offer of 2026-Q1) get a
    /// caution; prices of one period (the owned example's, 2024-2025) do not.
    @Test func pricesSeenYearsApartAreCautioned() throws {
        let apart = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "12", "--vary",
                                 "cluster.gpu=A100-SXM4-80GB,H100", "--vary", "gpus=8", "--quiet"])
        #expect(apart.exitCode == 0, "\(apart.stderr)")
        #expect(apart.stdout.contains("The prices compared were seen more than two years apart (the oldest: 2022-08, AWS p4de.24xlarge (A100-SXM4-80GB); the newest: 2026-Q1, Lambda 8x H100 SXM (H100-SXM5))"),
                "\(apart.stdout)")
        // An older offer that ranks its GPU out of every table still decides the answer: cautioned, in the text and the JSON alike.
        let ranked = ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "12", "--vary", "cluster.gpu=A100-SXM4-80GB,H100",
                      "--vary", "gpus=8,16,32", "--top", "1", "--quiet"]
        let hidden = CLI.execute(ranked)
        #expect(hidden.exitCode == 0 && !hidden.stdout.contains(" A100-SXM4-80GB ")
                && hidden.stdout.contains("The prices compared were seen more than two years apart"), "\(hidden.stdout)")
        let hiddenJSON = try #require(try JSONSerialization.jsonObject(with: Data(CLI.execute(ranked + ["--json"]).stdout.utf8)) as? [String: Any])
        #expect((hiddenJSON["notes"] as? [String])?.contains { $0.hasPrefix("The prices compared were seen more than two years apart") } == true)
        let together = CLI.execute(["plan", Self.scenario, "--deadline-hours", "12", "--quiet"])
        #expect(together.exitCode == 0 && !together.stdout.contains("The prices compared were seen"), "\(together.stdout)")
    }

    @Test func theJSONCarriesCapexTCOAndThePriceBasis() throws {
        let out = CLI.execute(["plan", Self.scenario, "--capex-budget", "350000", "--quiet", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(document["capex_budget_usd"] as? Double == 350_000 && document["cloud_budget_usd"] is NSNull)
        let models = try #require(document["models"] as? [[String: Any]])
        #expect(models.count == 1 && models[0]["model"] as? String == "resnet50")
        let ranked = try #require(models[0]["within_budget"] as? [[String: Any]])
        #expect(ranked.count == 2)
        for row in ranked {
            let capex = try #require(row["capex_usd"] as? Double), tco = try #require(row["tco_usd"] as? Double)
            #expect(capex <= 350_000 && tco > capex && row["gpus"] as? Int == 8)
            #expect(row["price_offer"] as? String == "owned, 4-year life")
            #expect((row["usd_per_gpu_hour"] as? Double ?? 0) > 0 && (row["price_source"] as? String)?.contains("[epoch]") == true)
        }
        let sources = try #require(document["sources"] as? [String: String])
        #expect(sources.keys.contains("epoch"))
        // The bills cite more than the GPUs' price (servers, power): the JSON spells out what the text's Sources list.
        let text = CLI.execute(["plan", Self.scenario, "--capex-budget", "350000", "--quiet"])
        let listed = try #require(text.stdout.components(separatedBy: "\nSources:\n").last).split(separator: "\n")
            .compactMap { line in line.hasPrefix("  [") ? line.dropFirst(3).split(separator: "]").first.map(String.init) : nil }
        #expect(listed.count > 1 && Set(listed).isSubset(of: sources.keys), "text \(listed), JSON \(sources.keys.sorted())")
    }

    /// --budget keeps working, as the old name of --cloud-budget; giving both is refused.
    @Test func budgetIsTheOldNameOfCloudBudget() throws {
        let old = CLI.execute(["plan", Self.scenario, "--budget", "8", "--quiet"])
        let new = CLI.execute(["plan", Self.scenario, "--cloud-budget", "8", "--quiet"])
        // Nothing trains for $8: both exit 1 (nothing within the budget), with the same plan.
        #expect(old.exitCode == 1 && new.exitCode == 1 && old.stdout == new.stdout)
        #expect(new.stdout.contains("Fastest within a cost to train of $8.00"))
        let both = CLI.execute(["plan", Self.scenario, "--budget", "8", "--cloud-budget", "8", "--quiet"])
        #expect(both.exitCode == 2)
        #expect(both.stderr.contains("--budget is the old name of --cloud-budget"))
        let help = CLI.execute(["plan", "--help"])
        #expect(help.stdout.contains("--capex-budget") && help.stdout.contains("--cloud-budget"))
    }

    /// simulate shows the price basis and, for owned runs, capex and TCO beside the costs.
    @Test func simulateShowsThePriceBasisBesideTheCosts() throws {
        let out = CLI.execute(["simulate", Self.scenario])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let header = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("GPUs") })
        #expect(header.hasSuffix("to train  cost $  $/GPU-h  capex $    TCO $"))
        #expect(out.stdout.contains("price basis: owned, 4-year life, as priced for 16 GPUs: $"), "\(out.stdout)")
        // The largest configuration's, whatever order the counts are given in.
        let unordered = CLI.execute(["simulate", Self.scenario, "--gpus", "16,8"])
        #expect(unordered.stdout.contains("price basis: owned, 4-year life, as priced for 16 GPUs: $")
                && !unordered.stdout.contains("as priced for 8 GPUs"), "\(unordered.stdout)")
        let json = CLI.execute(["simulate", Self.scenario, "--json"])
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        let basis = try #require(rows.first?["price_basis"] as? [String: Any])
        #expect(basis["offer"] as? String == "owned, 4-year life" && basis["seen"] as? String != nil)
        #expect((rows.first?["capex_usd"] as? Double ?? 0) > 0)
    }

    /// `hardware` lists every price with its date and source, in the table and the JSON.
    @Test func hardwareListsEveryPriceWithItsDateAndSource() throws {
        let out = CLI.execute(["hardware"])
        #expect(out.stdout.contains("\nServers, without their GPUs (owned clusters)\n"))
        #expect(out.stdout.contains("\nNetwork parts by link speed (owned clusters with more than one node)\n"))
        let json = CLI.execute(["hardware", "--json"])
        let prices = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["prices"] as? [String: Any])
        let purchase = try #require(prices["purchase"] as? [[String: Any]])
        #expect(Set(purchase.compactMap { $0["gpu"] as? String }).isSuperset(of: ["V100-SXM2-16GB", "A100-SXM4-40GB", "A100-SXM4-80GB", "H100-SXM5",
                                                                                  "H100-PCIe", "H200-SXM", "MI300X"]))
        for section in ["cloud", "purchase", "servers", "network"] {
            for entry in try #require(prices[section] as? [[String: Any]]) {
                #expect(!((entry["seen"] as? String) ?? "").isEmpty && ((entry["source"] as? String) ?? "").count >= 8, "\(section): \(entry)")
            }
        }
        let ndr = try #require((prices["network"] as? [[String: Any]])?.first { $0["gbit_per_s"] as? Double == 400 && $0["kind"] as? String == "infiniband" })
        #expect(ndr["switch_ports"] as? Int == 64)
    }
}
