package consumer

import "context"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestBuildChain(t *testing.T) {
	t.Parallel()
	var calls []string
	mw := func(name string) MiddlewareFunc {
		return func(next TaskHandler) TaskHandler {
			return TaskHandlerFunc(func(ctx context.Context, task *asynqpg.TaskInfo) error {
				calls = append(calls, name+">")
				defer func() { calls = append(calls, "<"+name) }()
				return next.Handle(ctx, task)
			})
		}
	}
	h := TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error {
		calls = append(calls, "handler")
		return nil
	})
	tests := []struct {
		name            string
		global, perType []MiddlewareFunc
		want            []string
	}{
		{name: "none", want: []string{"handler"}},
		{name: "global only", global: []MiddlewareFunc{mw("g1"), mw("g2")},
			want: []string{"g1>", "g2>", "handler", "<g2", "<g1"}},
		{name: "per type only", perType: []MiddlewareFunc{mw("p1"), mw("p2")},
			want: []string{"p1>", "p2>", "handler", "<p2", "<p1"}},
		{name: "global outside per type", global: []MiddlewareFunc{mw("g1"), mw("g2")}, perType: []MiddlewareFunc{mw("p1")},
			want: []string{"g1>", "g2>", "p1>", "handler", "<p1", "<g2", "<g1"}},
	}
	for _, tt := range tests {
		calls = nil
		chain, err := buildChain(h, tt.global, tt.perType)
		require.NoError(t, err, tt.name)
		require.NoError(t, chain.Handle(context.Background(), &asynqpg.TaskInfo{}), tt.name)
		require.Equal(t, tt.want, calls, tt.name)
	}
}

func TestBuildChainRefusesBadMiddleware(t *testing.T) {
	t.Parallel()
	h := TaskHandlerFunc(func(context.Context, *asynqpg.TaskInfo) error { return nil })
	keep := func(next TaskHandler) TaskHandler { return next }
	tests := []struct {
		name            string
		global, perType []MiddlewareFunc
		want            string
	}{
		{name: "nil handler", global: []MiddlewareFunc{keep, func(TaskHandler) TaskHandler { return nil }},
			want: "global middleware 1 returned a nil handler"},
		{name: "nil func handler", perType: []MiddlewareFunc{func(TaskHandler) TaskHandler { return TaskHandlerFunc(nil) }},
			want: "per-type middleware 0 returned a nil handler"},
		{name: "panic", perType: []MiddlewareFunc{func(TaskHandler) TaskHandler { panic("no") }},
			want: "a middleware panicked: no"},
	}
	for _, tt := range tests {
		chain, err := buildChain(h, tt.global, tt.perType)
		require.EqualError(t, err, tt.want, tt.name)
		require.Nil(t, chain, tt.name)
	}
}
