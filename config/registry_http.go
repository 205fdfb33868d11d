package config

// Options of the HTTP_Listener's Momentum 4 API (issue 24).
func init() {
	register(
		// API_Keys names the file of hashed API keys with grants that
		// /api/v1/transmissions, /api/v1/messages and /api/v1/templates
		// check in the Authorization header (sluicectl apikey manages it).
		optNoDef("API_Keys", KindString).both(tyHTTP).acts(),
	)
}
