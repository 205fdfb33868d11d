package smtp

import (
	"fmt"
	"strings"

	"sluice/config"
	"sluice/filter/milter"
	pdel "sluice/filter/policy"
)

// CheckFilters reports the first unusable filter option of p, with its
// fix, so that a load or reload (and sluiced -check) refuses a typo instead
// of a session meeting it. Sessions built from such a policy would leave
// the hook out and log a warning.
func CheckFilters(p *config.Policy) error {
	if svc := p.String("policy_service"); svc != "" {
		if _, _, err := pdel.ParseService(svc); err != nil {
			return fmt.Errorf("smtp: Policy_Service: %w", err)
		}
		if d := p.String("policy_default_action"); d != "" {
			dec, err := pdel.ParseAction(d)
			if err == nil && dec.Kind == pdel.Prepend {
				err = fmt.Errorf("PREPEND cannot be a default")
			}
			if err != nil {
				return fmt.Errorf("smtp: Policy_Default_Action %q: %v (write DUNNO to fail open, or a reply such as \"451 4.3.5 Server configuration problem\")", d, err)
			}
		}
	}
	for _, m := range p.List("milter") {
		if _, _, err := milter.ParseService(m); err != nil {
			return fmt.Errorf("smtp: Milter: %w", err)
		}
	}
	if d := strings.ToLower(p.String("milter_default_action")); d != "" && d != "tempfail" && d != "accept" && d != "reject" {
		return fmt.Errorf("smtp: Milter_Default_Action %q: write tempfail, accept or reject", d)
	}
	return nil
}
