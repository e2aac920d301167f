package model

import (
	"fmt"
	"io"
	"strconv"
)

// ThreadOrder is hand-written because ent's generated ThreadOrder (a struct)
// would otherwise be autobound to the enum of the same GraphQL name.
type ThreadOrder string

const (
	ThreadOrderLatestMessage ThreadOrder = "LATEST_MESSAGE"
	ThreadOrderOldestFirst   ThreadOrder = "OLDEST_FIRST"
	ThreadOrderCareTeamName  ThreadOrder = "CARE_TEAM_NAME"
)

func (e ThreadOrder) IsValid() bool {
	switch e {
	case ThreadOrderLatestMessage, ThreadOrderOldestFirst, ThreadOrderCareTeamName:
		return true
	}
	return false
}

func (e *ThreadOrder) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("ThreadOrder must be a string")
	}
	*e = ThreadOrder(s)
	if !e.IsValid() {
		return fmt.Errorf("%s is not a valid ThreadOrder", s)
	}
	return nil
}

func (e ThreadOrder) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(e))) }
