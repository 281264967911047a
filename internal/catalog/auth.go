package catalog

// AuthErrorType is one value of AUTH_ERROR_TYPES, the first parameter of
// NOT_ALLOWED_ERROR.
type AuthErrorType uint8

// The AUTH_ERROR_TYPES, in documented order.
const (
	AuthGeneral AuthErrorType = iota
	AuthNoMainParticipants
	AuthNoVisitorsLobby
	AuthPromotionNotAllowed
	AuthRoomCreationRestriction
	AuthRoomUnauthenticatedAccessDisabled
	numAuthTypes
)

// NumAuthErrorTypes is the number of AUTH_ERROR_TYPES (6).
const NumAuthErrorTypes = int(numAuthTypes)

// AuthType describes one AUTH_ERROR_TYPES member.
type AuthType struct {
	Type  AuthErrorType `json:"-"`
	Name  string        `json:"name"`
	Value string        `json:"value"`
	// Signal is the child of the cancel/not-allowed presence error that
	// selects this type ("" for GENERAL: anything else).
	Signal string `json:"signal"`
	Text   string `json:"text"`
}

var authTypes = [numAuthTypes]AuthType{
	AuthGeneral:                           {Name: "GENERAL", Value: "general", Signal: "", Text: "Any other refusal."},
	AuthNoMainParticipants:                {Name: "NO_MAIN_PARTICIPANTS", Value: "no-main-participants", Signal: "<no-main-participants xmlns='jitsi:visitors'/>", Text: "A visitor may not enter while no main participant is in the room."},
	AuthNoVisitorsLobby:                   {Name: "NO_VISITORS_LOBBY", Value: "no-visitors-lobby", Signal: "<no-visitors-lobby xmlns='jitsi:visitors'/>", Text: "Visitors may not wait in the lobby."},
	AuthPromotionNotAllowed:               {Name: "PROMOTION_NOT_ALLOWED", Value: "promotion-not-allowed", Signal: "<promotion-not-allowed xmlns='jitsi:visitors'/>", Text: "A visitor needs a moderator's approval to be promoted."},
	AuthRoomCreationRestriction:           {Name: "ROOM_CREATION_RESTRICTION", Value: "room-creation-restriction", Signal: "text 'Room creation is restricted' or <room-does-not-exist xmlns='http://jitsi.org/jitmeet'/>", Text: "The client may not create the room; the library re-joins three times first."},
	AuthRoomUnauthenticatedAccessDisabled: {Name: "ROOM_UNAUTHENTICATED_ACCESS_DISABLED", Value: "authentication-required", Signal: "<authentication-required xmlns='http://jitsi.org/jitmeet'/>", Text: "Unauthenticated access is disabled; log in."},
}

func init() {
	for i := range authTypes {
		authTypes[i].Type = AuthErrorType(i)
	}
}

// String returns the type's value (e.g. "authentication-required").
func (t AuthErrorType) String() string {
	if int(t) >= NumAuthErrorTypes {
		return "catalog.AuthErrorType(?)"
	}
	return authTypes[t].Value
}

// AuthTypes returns the six AUTH_ERROR_TYPES in documented order.
func AuthTypes() []AuthType { return authTypes[:] }

// GetAuthType returns the entry of one type.
func GetAuthType(t AuthErrorType) *AuthType { return &authTypes[t] }

// AuthTypeByValue finds a type by its value.
func AuthTypeByValue(v string) (*AuthType, bool) {
	for i := range authTypes {
		if authTypes[i].Value == v {
			return &authTypes[i], true
		}
	}
	return nil, false
}
