package main

import (
	"fmt"
	"os"
)

// Config is every setting, read from the environment; the important ones are also flags.
type Config struct {
	DatabaseURL  string // DATABASE_URL: postgres://... or sqlite://PATH
	Addr         string // KARMAYOGI_ADDR, --addr
	Env          string // KARMAYOGI_ENV: development or production
	Demo         bool   // --demo: seed an empty database
	DemoLearners int    // learners the demo data set holds
}

// configFromEnv reads the environment, applying the embedded defaults.
func configFromEnv() (Config, error) {
	c := Config{
		DatabaseURL:  getenv("DATABASE_URL", "sqlite://./karmayogi.db"),
		Addr:         getenv("KARMAYOGI_ADDR", ":8080"),
		Env:          getenv("KARMAYOGI_ENV", "development"),
		DemoLearners: 2000,
	}
	if c.Env != "development" && c.Env != "production" {
		return c, fmt.Errorf("KARMAYOGI_ENV must be development or production, not %q", c.Env)
	}
	return c, nil
}

// Production reports whether introspection and GraphiQL are off.
func (c Config) Production() bool { return c.Env == "production" }

func getenv(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
