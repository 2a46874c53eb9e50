/// The quickstart config, embedded so that `fedchain run` works with no file at hand.
/// Kept identical to experiments/quickstart.yaml (a test checks).
public enum Quickstart {
    /// Name used for the default output file.
    public static let name = "quickstart"
    /// How errors name the embedded config.
    public static let source = "<embedded quickstart>"

    /// The YAML text of experiments/quickstart.yaml.
    public static let yaml = #"""
# FedChain quickstart: Bitcoin-like proof of work on 1,000 nodes for 100 blocks.
# `fedchain run` with no config runs exactly this file (it is embedded in the binary).
# Every key is documented in docs/config.md; keys not named here take their defaults.
seed: 42
stop:
  blocks: 100                   # stop mining at height 100; blocks in flight still propagate
network:
  nodes: 1000
  regions: btc-2019             # measured latency, bandwidth and node shares (SimBlock 2019)
  degree_distribution: btc-2015 # outbound peers per node from Bitcoin's measured distribution
  latency:
    distribution: pareto        # SimBlock's per-message model around the table mean
  relay:
    protocol: inv               # inv -> getdata -> block, compact blocks between 96.4 % of nodes
consensus:
  kind: pow
  block_interval_s: 600
  block_size_bytes: 535000
  pow:
    hash_rate_th_s: {distribution: normal, mean: 100, sd: 25, min: 1}

"""#
}
