// Package wire holds the Millennium Messaging Web Services (10.8) JSON shapes
// and the text codecs shared by the OH adapter and its simulator.
//
// The shapes follow messaging-rest-swagger_v3.yaml field for field; the few
// simulator extensions are marked as such. Keeping them in one internal
// package stops the adapter and simulator from drifting apart silently, and
// the adapter's golden test checks every JSON tag here against the swagger so
// both cannot drift away from the spec together.
package wire
