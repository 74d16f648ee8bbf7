package kindred

import pb "kindred.dev/clients/go/kindredv1"

// Stub gives the tests the client's own gRPC stub, for calls the API never makes (a plain Reset
// on a match, a seat's duplicate submission) over the same connection and principal.
func (c *Client) Stub() pb.EnvServiceClient { return c.stub }
