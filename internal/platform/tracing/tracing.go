// Package tracing sends OpenTelemetry traces across GraphQL → database →
// provider HTTP, exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set and
// off otherwise. Spans carry operation names, SQL text with placeholders and
// provider hosts — never GraphQL variables, SQL arguments, URLs with patient
// identifiers or bodies.
package tracing

import (
	"context"
	"net/http"
	"os"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const name = "github.com/va/vams"

func tracer() trace.Tracer { return otel.Tracer(name) }

// Setup installs an OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set
// (the exporter reads the standard OTEL_* variables) and returns its
// shutdown; without it tracing stays a no-op.
func Setup(ctx context.Context) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Extension traces each GraphQL operation and root field by name only.
func Extension() graphql.HandlerExtension { return extension{} }

type extension struct{}

func (extension) ExtensionName() string                   { return "Tracing" }
func (extension) Validate(graphql.ExecutableSchema) error { return nil }

func (extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	opName := "unnamed"
	opType := ""
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil {
			opType = string(oc.Operation.Operation)
			if oc.Operation.Name != "" {
				opName = oc.Operation.Name
			}
		}
	}
	ctx, span := tracer().Start(ctx, "graphql "+opName, trace.WithAttributes(
		attribute.String("graphql.operation.name", opName), attribute.String("graphql.operation.type", opType)))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, "graphql errors")
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
	}
	return resp
}

func (extension) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	ctx, span := tracer().Start(ctx, "graphql.field "+fc.Field.Name)
	defer span.End()
	return next(ctx)
}

// Driver wraps an ent driver so each statement is a span with its SQL text
// (placeholders only: arguments can be message content).
func Driver(d dialect.Driver) dialect.Driver { return &driver{Driver: d} }

type driver struct{ dialect.Driver }

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := startDB(ctx, d.Dialect(), query)
	defer span.End()
	return record(span, d.Driver.Exec(ctx, query, args, v))
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := startDB(ctx, d.Dialect(), query)
	defer span.End()
	return record(span, d.Driver.Query(ctx, query, args, v))
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &txWrapper{Tx: tx, dialect: d.Dialect()}, nil
}

// BeginTx keeps the driver's options (isolation levels) reachable.
func (d *driver) BeginTx(ctx context.Context, opts any) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, any) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txWrapper{Tx: tx, dialect: d.Dialect()}, nil
}

type txWrapper struct {
	dialect.Tx
	dialect string
}

// Unwrap lets the store reach the database/sql transaction underneath.
func (t *txWrapper) Unwrap() dialect.Tx { return t.Tx }

func (t *txWrapper) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := startDB(ctx, t.dialect, query)
	defer span.End()
	return record(span, t.Tx.Exec(ctx, query, args, v))
}

func (t *txWrapper) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := startDB(ctx, t.dialect, query)
	defer span.End()
	return record(span, t.Tx.Query(ctx, query, args, v))
}

func startDB(ctx context.Context, system, query string) (context.Context, trace.Span) {
	return tracer().Start(ctx, "db.query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", system), attribute.String("db.query.text", query)))
}

func record(span trace.Span, err error) error {
	if err != nil {
		span.SetStatus(codes.Error, "error")
	}
	return err
}

// Transport traces provider HTTP calls (method, host, status) and propagates
// the trace context to the provider.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper{base}
}

type roundTripper struct{ base http.RoundTripper }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, span := tracer().Start(r.Context(), "provider "+r.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("server.address", r.URL.Host)))
	defer span.End()
	r = r.Clone(ctx)
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(r.Header))
	res, err := rt.base.RoundTrip(r)
	if err != nil {
		span.SetStatus(codes.Error, "transport error")
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
	if res.StatusCode >= 500 {
		span.SetStatus(codes.Error, res.Status)
	}
	return res, nil
}
