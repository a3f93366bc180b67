package consumer

import "context"

import "github.com/yakser/asynqpg/internal/engine"

// startHeartbeat records the consumer in the list of live consumers, with
// its task types and workers, and renews the entry every
// HeartbeatInterval until Shutdown; c.mu must be held. A Consumer of
// periodic tasks only claims nothing and is not listed: it gets a nil
// Heartbeat, whose Stop does nothing.
func (c *Consumer) startHeartbeat() (*engine.Heartbeat, error) {
	if len(c.handlers) == 0 {
		return nil, nil
	}
	workers := make(map[string]int, len(c.handlers))
	for t, reg := range c.handlers {
		workers[t] = reg.opts.WorkersCount
	}
	hb, err := engine.NewHeartbeat(engine.HeartbeatConfig{
		Executor: c.ex,
		ID:       c.cfg.ClientID,
		Workers:  workers,
		Interval: c.cfg.HeartbeatInterval,
		Logger:   c.log,
	})
	if err != nil {
		return nil, err
	}
	if err := hb.Start(context.Background()); err != nil {
		return nil, err
	}
	return hb, nil
}
