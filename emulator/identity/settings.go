package identity

import "net/http"

// GET /health
func (a *API) health(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{
		"description": "GoTrue is a user registration and authentication API",
		"name":        "GoTrue",
		"version":     a.cfg.Version,
	})
	return nil
}

type externalSettings struct {
	Bitbucket bool `json:"bitbucket"`
	GitHub    bool `json:"github"`
	GitLab    bool `json:"gitlab"`
	Google    bool `json:"google"`
	Facebook  bool `json:"facebook"`
	Email     bool `json:"email"`
	SAML      bool `json:"saml"`
}

type settingsResponse struct {
	External       externalSettings  `json:"external"`
	ExternalLabels map[string]string `json:"external_labels"`
	DisableSignup  bool              `json:"disable_signup"`
	Autoconfirm    bool              `json:"autoconfirm"`
}

// GET /settings
func (a *API) settings(w http.ResponseWriter, _ *http.Request) error {
	ext := a.cfg.External
	writeJSON(w, http.StatusOK, settingsResponse{
		External: externalSettings{
			Bitbucket: ext["bitbucket"], GitHub: ext["github"], GitLab: ext["gitlab"],
			Google: ext["google"], Facebook: ext["facebook"], Email: true,
		},
		ExternalLabels: map[string]string{},
		DisableSignup:  a.cfg.DisableSignup,
		Autoconfirm:    a.cfg.Autoconfirm,
	})
	return nil
}
