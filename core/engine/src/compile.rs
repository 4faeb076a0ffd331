//! The compiler: a flow document becomes a petgraph graph of prepared nodes, after checks
//! that report every problem at once — unknown node types, bad config, duplicate ids, edges
//! from unknown nodes or ports or to unknown nodes, a port used twice, no trigger, nodes no
//! trigger reaches, cycles with no waiting node, scripts that do not compile.

use std::collections::{HashMap, HashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Bfs;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::document::{FlowDocument, MAX_EDGES, MAX_NODES};
use crate::registry::{PreparedNode, Registry};
use crate::script::Scripts;

/// One thing wrong with a document, pointing at the node (and field) to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub node_id: Option<String>,
    pub edge_id: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    fn flow(message: impl Into<String>) -> Self {
        Problem {
            node_id: None,
            edge_id: None,
            field: None,
            message: message.into(),
        }
    }

    fn node(id: &str, field: Option<String>, message: impl Into<String>) -> Self {
        Problem {
            node_id: Some(id.to_string()),
            edge_id: None,
            field,
            message: message.into(),
        }
    }

    fn edge(id: &str, message: impl Into<String>) -> Self {
        Problem {
            node_id: None,
            edge_id: Some(id.to_string()),
            field: None,
            message: message.into(),
        }
    }
}

pub struct CompiledNode {
    pub id: String,
    pub kind: String,
    pub prepared: Box<dyn PreparedNode>,
    pub trigger: bool,
    /// The node's config as written (trigger filters are matched against it).
    pub config: Value,
}

/// A runnable flow version.
pub struct CompiledFlow {
    pub nodes: Vec<CompiledNode>,
    pub graph: DiGraph<usize, String>,
    /// Per node: output port → next node.
    next: Vec<HashMap<String, usize>>,
    pub triggers: Vec<usize>,
    pub scripts: Scripts,
    variables: Map<String, Value>,
    index: HashMap<String, usize>,
    pub settings: crate::document::FlowSettings,
}

impl std::fmt::Debug for CompiledFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledFlow")
            .field("nodes", &self.nodes.len())
            .field("triggers", &self.triggers)
            .finish()
    }
}

impl CompiledFlow {
    /// The node after `node` leaving by `port`; `None` ends the run.
    pub fn next(&self, node: usize, port: &str) -> Option<usize> {
        self.next[node].get(port).copied()
    }

    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn initial_vars(&self) -> Map<String, Value> {
        self.variables.clone()
    }
}

/// Compile and check `doc`.
pub fn compile(
    doc: &FlowDocument,
    registry: &Registry,
    scripts: &Scripts,
) -> Result<CompiledFlow, Vec<Problem>> {
    let mut problems = Vec::new();
    if doc.nodes.len() > MAX_NODES {
        return Err(vec![Problem::flow(format!(
            "a flow has at most {MAX_NODES} nodes"
        ))]);
    }
    if doc.edges.len() > MAX_EDGES {
        return Err(vec![Problem::flow(format!(
            "a flow has at most {MAX_EDGES} edges"
        ))]);
    }

    let mut graph = DiGraph::<usize, String>::with_capacity(doc.nodes.len(), doc.edges.len());
    let mut nodes = Vec::with_capacity(doc.nodes.len());
    let mut index = HashMap::new();
    let mut waits = Vec::new();
    for node in &doc.nodes {
        if node.id.is_empty() || node.id.len() > 100 {
            problems.push(Problem::node(
                &node.id,
                Some("id".into()),
                "a node id has 1 to 100 characters",
            ));
            continue;
        }
        if index.contains_key(&node.id) {
            problems.push(Problem::node(
                &node.id,
                Some("id".into()),
                "two nodes have this id",
            ));
            continue;
        }
        let Some(node_type) = registry.get(&node.node_type) else {
            problems.push(Problem::node(
                &node.id,
                Some("type".into()),
                format!("unknown node type `{}`", node.node_type),
            ));
            continue;
        };
        let spec = node_type.spec();
        match node_type.prepare(&node.config, scripts) {
            Ok(prepared) => {
                let i = nodes.len();
                index.insert(node.id.clone(), i);
                graph.add_node(i);
                waits.push(spec.waits);
                nodes.push(CompiledNode {
                    id: node.id.clone(),
                    kind: node.node_type.clone(),
                    prepared,
                    trigger: spec.trigger,
                    config: node.config.clone(),
                });
            }
            Err(config_problems) => {
                for p in config_problems {
                    let field = Some(
                        p.field
                            .map_or("config".to_string(), |f| format!("config.{f}")),
                    );
                    problems.push(Problem::node(&node.id, field, p.message));
                }
            }
        }
    }
    let prepared_ok = problems.is_empty();

    let mut next: Vec<HashMap<String, usize>> = vec![HashMap::new(); nodes.len()];
    let mut edge_ids = HashSet::new();
    let known = |id: &str| doc.nodes.iter().any(|n| n.id == id);
    for edge in &doc.edges {
        if !edge_ids.insert(edge.id.as_str()) {
            problems.push(Problem::edge(&edge.id, "two edges have this id"));
        }
        let (Some(&from), Some(&to)) = (index.get(&edge.source), index.get(&edge.target)) else {
            for end in [&edge.source, &edge.target] {
                if !known(end) {
                    problems.push(Problem::edge(&edge.id, format!("no node `{end}`")));
                }
            }
            continue;
        };
        if nodes[to].trigger {
            problems.push(Problem::edge(
                &edge.id,
                format!("`{}` is a trigger and takes no input", edge.target),
            ));
            continue;
        }
        let ports = nodes[from].prepared.ports();
        if !ports.contains(&edge.source_port) {
            problems.push(Problem::node(
                &edge.source,
                None,
                format!(
                    "no output port `{}` (ports: {})",
                    edge.source_port,
                    ports.join(", ")
                ),
            ));
            continue;
        }
        if next[from].insert(edge.source_port.clone(), to).is_some() {
            problems.push(Problem::node(
                &edge.source,
                None,
                format!("port `{}` is connected twice", edge.source_port),
            ));
            continue;
        }
        graph.add_edge(
            NodeIndex::new(from),
            NodeIndex::new(to),
            edge.source_port.clone(),
        );
    }

    let triggers: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].trigger).collect();
    if triggers.is_empty() && prepared_ok {
        problems.push(Problem::flow("the flow has no trigger"));
    }
    if !triggers.is_empty() {
        let mut reached = vec![false; nodes.len()];
        for t in &triggers {
            let mut bfs = Bfs::new(&graph, NodeIndex::new(*t));
            while let Some(n) = bfs.next(&graph) {
                reached[n.index()] = true;
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            if !reached[i] {
                problems.push(Problem::node(
                    &node.id,
                    None,
                    "no trigger reaches this node",
                ));
            }
        }
    }
    for scc in tarjan_scc(&graph) {
        let cyclic = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
        if cyclic && !scc.iter().any(|n| waits[n.index()]) {
            let mut ids: Vec<&str> = scc.iter().map(|n| nodes[n.index()].id.as_str()).collect();
            ids.sort_unstable();
            problems.push(Problem::node(
                ids[0],
                None,
                format!(
                    "a loop through {} never waits: it would spin forever",
                    ids.join(", ")
                ),
            ));
        }
    }

    let mut variables = Map::new();
    for v in &doc.variables {
        if v.name.is_empty()
            || !v
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            problems.push(Problem::flow(format!("invalid variable name `{}`", v.name)));
        }
        variables.insert(v.name.clone(), v.default.clone());
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CompiledFlow {
        nodes,
        graph,
        next,
        triggers,
        scripts: scripts.clone(),
        variables,
        index,
        settings: doc.settings.clone(),
    })
}
