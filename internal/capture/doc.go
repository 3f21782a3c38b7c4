// Package capture reads what posthog-js sends to the capture endpoints
// (/e/, /s/, /batch/, ...) and turns it into validated data grouped for
// storage. It performs no I/O and knows nothing about HTTP: a handler
// passes the request body, Content-Type and query in, and gets events,
// recordings or an *apierror.Error out.
//
// The work is split in three steps:
//
//   - Decode undoes the transport encodings (raw gzip, a base64 form
//     field, plain JSON), accepts the request shapes the SDKs send (one
//     event, an array, or a {"api_key", "batch"} envelope) and returns
//     one Event per captured event.
//   - Snapshots validates a batch and groups its $snapshot events per
//     (token, session, window) into Recordings.
//   - ExpandEvent undoes posthog-js's per-event compression (cv
//     "2024-10") so that stored rrweb events play in a stock player.
//
// Every size produced by decompression is bounded by Limits, so a small
// request can never make the server allocate without bound.
package capture
