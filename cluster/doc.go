// Package cluster runs a sluice node's share of a cluster on NATS: the
// embedded nats-server (JetStream on) configured from ECCluster_Listener
// (the route port), msgcserver_listener (client ports) and the Cluster_*
// globals, or a connection to an external NATS named by Msgc_Server.
//
// On that bus a Node publishes a heartbeat every second and keeps the
// member table (a node is "gone" after Cluster_Node_Timeout without one),
// gossips the session counts of Cluster_Wide caps, and follows the pushed
// configuration in the JetStream KV bucket "sluice_config".
//
// Subjects: <prefix>.heartbeat (JSON Heartbeat), <prefix>.sessions (JSON
// map of cap key to open sessions); prefix is "sluice." + Cluster_Name with
// dots and wildcards replaced. KV bucket sluice_config, key "cluster".
//
// The msgcserver_listener Listens are sluice's own sockets: each accepted
// connection is checked against the Listen's Peer allow-list with its real
// address and then spliced to an in-process connection of the embedded
// server (Server.InProcessConn), so the allow-list and Enable are
// reloadable and a listener may have several Listens, which a NATS server
// cannot (it has one client port).
//
// Concurrency: a Node's methods are safe for concurrent use. Callbacks the
// daemon gives (Status, Apply) run on the Node's goroutines, never on an
// engine worker.
package cluster
