package dashboard

import "context"
import "net/http"

import "github.com/yakser/asynqpg/client"
import "github.com/yakser/asynqpg/internal/validate"

// TypeState is the answer of a pause or a resume: the task type and
// whether it is now paused.
type TypeState struct {
	Type   string `json:"type"`
	Paused bool   `json:"paused"`
}

// Consumers returns the live consumers, the longest running first, as
// client.ListConsumers reports them (an empty slice when none is live).
func (s *Service) Consumers(ctx context.Context) ([]client.ConsumerInfo, error) {
	cs, err := s.client.ListConsumers(ctx)
	if err != nil {
		return nil, AsError(err, "list consumers")
	}
	return cs, nil
}

// UnservedTypes returns, in name order, the task types that have pending
// tasks ready to run and no live consumer serving them.
func (s *Service) UnservedTypes(ctx context.Context) ([]string, error) {
	types, err := s.client.ListUnservedTaskTypes(ctx)
	if err != nil {
		return nil, AsError(err, "list unserved task types")
	}
	return types, nil
}

// Pause pauses taskType (see client.PauseTaskType); pausing a paused type
// is a no-op. A type the producer would refuse is an invalid_params
// error naming it.
func (s *Service) Pause(ctx context.Context, taskType string) (TypeState, error) {
	return s.setPaused(ctx, taskType, true)
}

// Resume resumes taskType (see client.ResumeTaskType); resuming a type
// that is not paused is a no-op.
func (s *Service) Resume(ctx context.Context, taskType string) (TypeState, error) {
	return s.setPaused(ctx, taskType, false)
}

func (s *Service) setPaused(ctx context.Context, taskType string, paused bool) (TypeState, error) {
	verb, set := "resume", s.client.ResumeTaskType
	if paused {
		verb, set = "pause", s.client.PauseTaskType
	}
	if err := validate.TaskType(taskType); err != nil {
		return TypeState{}, &Error{Status: http.StatusBadRequest, Code: CodeInvalidParams,
			Message: "cannot " + verb + " task type: " + err.Error(), Err: err}
	}
	if err := set(ctx, taskType); err != nil {
		return TypeState{}, AsError(err, verb+" task type")
	}
	return TypeState{Type: taskType, Paused: paused}, nil
}
