package config

// Options of issue 19 (operations).
func init() {
	register(
		// Momentum 4.2.38 added an option to abort start-up when listeners
		// fail (its name is not public); sluice aborts by default and this
		// option keeps it going with the Listens that did bind.
		opt("Start_On_Listen_Failure", KindBool, "false").global().acts().restart(),
	)
}
