package inbox

import (
	"time"
)

// SendLimit bounds how many messages a veteran may send (MHV's conduct
// rules forbid "an excessive number of messages" without a number):
// PerHour on average, Burst at once. The zero value sets no bound.
//
// It is a GCRA kept in the veteran's row (veterans.send_limit_tat, the
// theoretical arrival time) and checked and advanced by the change log's
// counter UPDATE just before the send's transaction commits (flushChanges):
// every instance and every restart sees the same limit, a refused send
// writes nothing, and the veteran's row lock is still taken last.
type SendLimit struct {
	PerHour float64
	Burst   int
}

// Defaults: 20 an hour with a burst of 5 leaves room for a veteran writing
// to several teams in one sitting. The demo's person trying every feature
// in a sitting would hit that after five sends, so demo mode allows far
// more (still a bound: the simulators keep what they get).
var (
	DefaultSendLimit = SendLimit{PerHour: 20, Burst: 5}
	DemoSendLimit    = SendLimit{PerHour: 600, Burst: 100}
)

func (l SendLimit) bounded() bool { return l.PerHour > 0 && l.Burst > 0 }

// interval is what one send takes from the allowance, in microseconds
// (the unit of send_limit_tat).
func (l SendLimit) interval() int64 {
	return max(1, int64(float64(time.Hour/time.Microsecond)/l.PerHour))
}

// sendLimitedBump is the change log's counter UPDATE for a transaction
// that sends: it also advances the veteran's TAT by the sends' intervals
// ($4), from now ($3) when the TAT is past, and matches no row — so the
// send is refused — when the TAT is beyond $5, the latest at which the
// sends still fit the burst.
const sendLimitedBump = `UPDATE veterans SET change_seq = change_seq + $1,
	send_limit_tat = (CASE WHEN send_limit_tat > $3 THEN send_limit_tat ELSE $3 END) + $4
	WHERE id = $2 AND (CASE WHEN send_limit_tat > $3 THEN send_limit_tat ELSE $3 END) <= $5
	RETURNING change_seq`

// sendLimitArgs are sendLimitedBump's $3, $4 and $5 for n sends at now.
func (l SendLimit) sendLimitArgs(now time.Time, n int) (at, cost, latest int64) {
	t := l.interval()
	at = now.UnixMicro()
	return at, int64(n) * t, at + int64(l.Burst-n)*t
}

func rateLimited() error {
	return newErr(CodeRateLimited, "", "You've sent many messages in a short time. Please wait a few minutes before sending another.")
}
