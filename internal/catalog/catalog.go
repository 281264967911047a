package catalog

import "fmt"

// ID identifies one of the 20 members of JitsiConferenceErrors. The order of
// the constants is the order of the documented error list.
type ID uint8

// The conference errors, in documented order.
const (
	AuthenticationRequired ID = iota
	ChatError
	ConferenceAccessDenied
	ConferenceDestroyed
	ConferenceMaxUsers
	ConnectionError
	DisplayNameRequired
	FocusDisconnected
	FocusLeft
	GracefulShutdown
	IceFailed
	IncompatibleServerVersions
	MembersOnlyError
	NotAllowedError
	OfferAnswerFailed
	PasswordNotSupported
	PasswordRequired
	ReservationError
	SettingsError
	VideobridgeNotAvailable
	numErrors
)

// NumErrors is the number of conference errors (20).
const NumErrors = int(numErrors)

// Phase is a stage of the conference lifecycle, in the words of the reference.
type Phase string

// The lifecycle phases.
const (
	PhaseConnecting   Phase = "connecting"
	PhaseFocusRequest Phase = "focus-request"
	PhaseMUCJoin      Phase = "muc-join"
	PhaseLobby        Phase = "lobby"
	PhasePassword     Phase = "password"
	PhaseJoined       Phase = "joined"
	PhaseMedia        Phase = "media"
	PhaseTeardown     Phase = "teardown"
)

// Param is one parameter an application listener receives after the error
// value, in order.
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// Cause is one documented circumstance in which an error occurs (a "When it
// occurs" bullet of the documented list), with a stable id used by scenario
// files and fault injection.
type Cause struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Signal says, in one line, what the cause puts on the wire.
	Signal string `json:"signal"`
}

// Error is one member of JitsiConferenceErrors.
type Error struct {
	ID    ID     `json:"-"`
	Name  string `json:"name"`
	Value string `json:"value"`
	// Event is the event that carries the error to the application.
	Event  Event   `json:"event"`
	Params []Param `json:"params"`
	// Phases lists the lifecycle phases in which the error can surface.
	Phases []Phase `json:"phase"`
	// Fatal is exactly jitsi-meet's isFatalJitsiConferenceError.
	Fatal bool `json:"fatal"`
	// Recoverable is what jitsi-meet's middlewares set on error.recoverable.
	Recoverable bool `json:"recoverable"`
	// EmittedByLib says whether lib-jitsi-meet 01daa07c3f8c still emits it.
	EmittedByLib bool    `json:"emitted_by_lib"`
	Description  string  `json:"description"`
	UserAction   string  `json:"user_action"`
	AppReaction  string  `json:"app_reaction"`
	Causes       []Cause `json:"causes"`
}

// String returns the error's value, as the application receives it.
func (id ID) String() string {
	if int(id) >= NumErrors {
		return fmt.Sprintf("catalog.ID(%d)", uint8(id))
	}
	return errors[id].Value
}

// Valid reports whether id names one of the 20 errors.
func (id ID) Valid() bool { return int(id) < NumErrors }

// Get returns the catalog entry of an error.
func Get(id ID) *Error { return &errors[id] }

// Errors returns every error in documented order. The slice is shared: do not
// modify it.
func Errors() []Error { return errors[:] }

// ByValue finds an error by its value (e.g. "conference.passwordRequired").
func ByValue(value string) (*Error, bool) {
	for i := range errors {
		if errors[i].Value == value {
			return &errors[i], true
		}
	}
	return nil, false
}

// ByName finds an error by its constant name (e.g. "PASSWORD_REQUIRED").
func ByName(name string) (*Error, bool) {
	for i := range errors {
		if errors[i].Name == name {
			return &errors[i], true
		}
	}
	return nil, false
}

// CauseByID finds a documented cause and the error it belongs to.
func CauseByID(id string) (*Error, *Cause, bool) {
	for i := range errors {
		for j := range errors[i].Causes {
			if errors[i].Causes[j].ID == id {
				return &errors[i], &errors[i].Causes[j], true
			}
		}
	}
	return nil, nil, false
}

// HasPhase reports whether the error may surface in phase p.
func (e *Error) HasPhase(p Phase) bool {
	for _, q := range e.Phases {
		if q == p {
			return true
		}
	}
	return false
}
