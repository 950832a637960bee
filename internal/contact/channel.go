package contact

// Channel is the way a message reaches a person.
type Channel string

const (
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)
