// Package ent is a stand-in for the generated ent client: just the shapes
// the call wall looks at.
package ent

import "context"

type Client struct{ Message *MessageClient }

type Tx struct{ Message *MessageClient }

type MessageClient struct{}

type Message struct{ ID int }

type MessageCreate struct{}

type MessageQuery struct{}

func (*Client) ExecContext(context.Context, string, ...any) error { return nil }
func (*Tx) ExecContext(context.Context, string, ...any) error     { return nil }

func (*MessageClient) Create() *MessageCreate                      { return nil }
func (*MessageClient) CreateBulk(...*MessageCreate) *MessageCreate { return nil }
func (*MessageClient) UpdateOneID(int) *MessageCreate              { return nil }
func (*MessageClient) Delete() *MessageCreate                      { return nil }
func (*MessageClient) Query() *MessageQuery                        { return nil }
func (*Message) Update() *MessageCreate                            { return nil }
func (*MessageCreate) Exec(context.Context) error                  { return nil }
func (*MessageQuery) All(context.Context) ([]*Message, error)      { return nil, nil }
