package smtp

// rNoStorage answers MAIL while the spool is above Spool_High_Water
// (FactoryOptions.Pressure): RFC 5321 452 with RFC 3463 4.3.1. The client
// retries later; a transaction already past MAIL finishes.
var rNoStorage = reply{"452", "4.3.1", "Insufficient system storage"}
