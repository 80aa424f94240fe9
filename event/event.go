// Package event defines the one normalized event that every collector yields and every detector reads.
// Field names follow the Elastic Common Schema where ECS has a name for the thing.
package event

import (
	"log/slog"
	"time"
)

// Category says which part of the gemeente's IT an event comes from (ECS event.category).
type Category string

// The categories collectors emit.
const (
	CategoryAuthentication Category = "authentication" // logons, logoffs, failed logons
	CategoryEmail          Category = "email"          // mail submission, delivery, bounce
	CategoryFile           Category = "file"           // file share and file system access
	CategoryDevice         Category = "device"         // removable media attached
	CategoryWeb            Category = "web"            // HTTP access logs
	CategoryApplication    Category = "application"    // application audit logs (zaaksysteem, ...)
)

// Categories lists every Category, for validation.
var Categories = []Category{CategoryAuthentication, CategoryEmail, CategoryFile, CategoryDevice, CategoryWeb, CategoryApplication}

// Action is the normalized verb of an event. The same verb means the same thing in every format;
// Category says where it happened.
type Action string

// The actions collectors emit, grouped by the category they go with.
const (
	// authentication
	ActionLogon       Action = "logon"
	ActionLogonFailed Action = "logon_failed"
	ActionLogoff      Action = "logoff"
	ActionLock        Action = "lock"      // the session stays, the person left it (Windows 4800)
	ActionUnlock      Action = "unlock"    // the person is back at a locked session (Windows 4801)
	ActionReconnect   Action = "reconnect" // back to a disconnected session, RDP or console (Windows 4778); ActionDisconnect leaves it (4779)
	// ActionAuthenticate is a credential checked by a domain controller (Windows 4768, 4769, 4771,
	// 4776): the account's password or ticket was used from a workstation or address; not presence at a PC.
	ActionAuthenticate Action = "authenticate"
	// email: one ActionDeliver event per recipient and delivery attempt; Mail.Status says how it went.
	ActionDeliver Action = "deliver"
	ActionReceive Action = "receive" // accepted by the mail system (smtpd, Exchange RECEIVE)
	ActionSubmit  Action = "submit"  // handed in by a mailbox or client (Exchange SUBMIT)
	ActionReject  Action = "reject"  // refused before queueing (Postfix NOQUEUE)
	ActionExpand  Action = "expand"  // a distribution list expanded
	// file
	ActionRead       Action = "read"
	ActionWrite      Action = "write"
	ActionCreate     Action = "create"
	ActionDelete     Action = "delete"
	ActionRename     Action = "rename"
	ActionAccess     Action = "access" // access of unknown kind (Windows 4663 without a clear mask)
	ActionConnect    Action = "connect"
	ActionDisconnect Action = "disconnect"
	ActionMkdir      Action = "mkdir"
	// device
	ActionAttach Action = "attach"
	// web
	ActionRequest Action = "request"
	// application (the json format's action classes; Delete and Logon are shared with the above)
	ActionView   Action = "view"
	ActionExport Action = "export"
	ActionOther  Action = "other"
)

// Outcome is ECS event.outcome.
type Outcome string

// The outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeUnknown Outcome = "unknown"
)

// Event is one normalized event. Optional groups are nil when the format has nothing for them.
type Event struct {
	Time   time.Time `json:"@timestamp"`
	Event  Kind      `json:"event"`
	User   User      `json:"user,omitzero"`
	Host   Host      `json:"host,omitzero"`
	Source Endpoint  `json:"source,omitzero"`
	// Destination is where a request went: the site a proxy forwarded to, the address a mail or
	// upload went to (ECS destination).
	Destination Endpoint `json:"destination,omitzero"`
	Logon       *Logon   `json:"logon,omitempty"`
	Mail        *Mail    `json:"email,omitempty"`
	File        *File    `json:"file,omitempty"`
	Device      *Device  `json:"device,omitempty"`
	HTTP        *HTTP    `json:"http,omitempty"`
	App         *App     `json:"app,omitempty"`
	Log         Log      `json:"log"`
}

// Kind is the ECS event group: what happened and how it ended.
type Kind struct {
	Category Category `json:"category"`
	Action   Action   `json:"action"`
	Outcome  Outcome  `json:"outcome"`
	Code     string   `json:"code,omitempty"`    // the format's own name: "4624", "openat", "SEND", "status=bounced"
	Dataset  string   `json:"dataset,omitempty"` // the format: postfix, samba-audit, ...
	Reason   string   `json:"reason,omitempty"`  // why it failed, as the source says it (no personal data)
}

// User is who acted. Collectors fill Name, Domain and ID as the source wrote them; identity
// resolution (package identity, between parsing and the detectors) then sets Name to the person's
// directory account and keeps what the source wrote in Original.
type User struct {
	// Name is the person: their directory account once resolved, else the name as the source gave it.
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain,omitempty"`
	ID     string `json:"id,omitempty"` // SID or application user id
	// Account is the account that acted when it is not the person's own account: an admin account
	// linked to its owner ("adm_jdevries" of "jdevries"). Empty when the person used their own.
	Account string `json:"account,omitempty"`
	// Original is the identifier as the source wrote it ("VOORBEELD\\jdevries", "J.deVries@Voorbeeld.nl",
	// a SID, an employee number), when resolution replaced it: the evidence of who the log named.
	Original string `json:"original,omitempty"`
	// Identity says what resolution made of the user (IdentityPerson, IdentityAdmin, IdentityService,
	// IdentityUnknown, IdentitySystem); empty when nothing was resolved (no directory, or no user on the event).
	Identity Identity `json:"identity,omitempty"`
}

// Identity is what identity resolution found a user to be.
type Identity string

// The identities.
const (
	IdentityPerson  Identity = "person"  // a person in the directory, under one of their identifiers
	IdentityAdmin   Identity = "admin"   // an admin account of a person in the directory (User.Account)
	IdentityService Identity = "service" // a service account (organisation.service_accounts)
	IdentityUnknown Identity = "unknown" // no one in the directory has this identifier
	IdentitySystem  Identity = "system"  // a computer account (WS-0042$) or Windows itself (SYSTEM, ANONYMOUS LOGON)
)

// AccountName is the account that acted: User.Account when it is not the person's own, else Name.
// Detectors that follow sessions of an account (not of a person) key by it.
func (u *User) AccountName() string {
	if u.Account != "" {
		return u.Account
	}
	return u.Name
}

// Host is the machine that wrote the log line, and the workstation the user sat at.
type Host struct {
	Name        string `json:"name,omitempty"`        // the server that logged the event
	Workstation string `json:"workstation,omitempty"` // the client machine (NetBIOS name), when known
}

// Endpoint is a network peer.
type Endpoint struct {
	IP     string `json:"ip,omitempty"`
	Port   int    `json:"port,omitempty"`
	Domain string `json:"domain,omitempty"` // reverse name or client hostname; of a destination, the host asked for
}

// Logon describes an authentication or session event.
type Logon struct {
	Type    string `json:"type,omitempty"`    // interactive, network, remote_interactive, unlock, ... or the raw number
	ID      string `json:"id,omitempty"`      // session id that ties logon to logoff (TargetLogonId, sshd pid)
	Method  string `json:"method,omitempty"`  // password, publickey, NTLM, Kerberos ...
	Process string `json:"process,omitempty"` // logon process or service
}

// Mail is one mail event. To holds the recipients this event is about: one per delivery attempt
// for Postfix, the row's recipient list for Exchange.
type Mail struct {
	From           string   `json:"from,omitempty"`
	To             []string `json:"to,omitempty"`
	Subject        string   `json:"subject,omitempty"`
	Size           int64    `json:"size,omitempty"`
	RecipientCount int      `json:"recipient_count,omitempty"` // recipients of the whole message
	MessageID      string   `json:"message_id,omitempty"`
	QueueID        string   `json:"queue_id,omitempty"`
	Status         string   `json:"status,omitempty"`    // sent, bounced, deferred, expired, received, ...
	Direction      string   `json:"direction,omitempty"` // outbound, inbound, internal, unknown
	Relay          string   `json:"relay,omitempty"`
	DSN            string   `json:"dsn,omitempty"`
	SASLUser       string   `json:"sasl_username,omitempty"`
	OrigTo         string   `json:"orig_to,omitempty"` // the address as first written, before aliases
	// Hop marks a delivery that is a step inside the mail system, not the mail reaching its
	// recipient: "content_filter" (to amavis and the like, which re-queue it), "forwarded" (local
	// forwarding under a new queue id), "notification" (a bounce or delay notice the system wrote).
	Hop             string `json:"hop,omitempty"`
	OriginalQueueID string `json:"original_queue_id,omitempty"` // queue id the mail had before it was re-queued
}

// File is a file or share access.
type File struct {
	Path      string `json:"path,omitempty"`
	Target    string `json:"target_path,omitempty"` // rename destination
	Share     string `json:"share,omitempty"`
	Operation string `json:"operation,omitempty"` // the format's own operation name
	Mode      string `json:"mode,omitempty"`      // r or w for opens; access mask for Windows
	Size      int64  `json:"size,omitempty"`      // bytes, when the source says (a DLP export's copy)
}

// Device is removable media or another device attached to a workstation.
type Device struct {
	ID          string `json:"id,omitempty"`
	Description string `json:"description,omitempty"`
	Class       string `json:"class,omitempty"`
}

// HTTP is a web access log request.
type HTTP struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Status int    `json:"status,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"` // the response: what the client received
	// RequestBytes is the request's size: what the client sent (uploads). ECS http.request.bytes.
	RequestBytes int64  `json:"request_bytes,omitempty"`
	Referrer     string `json:"referrer,omitempty"`
	UserAgent    string `json:"user_agent,omitempty"`
}

// App is an application audit event (zaaksysteem, Nextcloud, ...).
type App struct {
	Name   string `json:"name,omitempty"`
	Action string `json:"action,omitempty"` // the application's own action string
	Object string `json:"object,omitempty"` // record or person looked at
	Count  int64  `json:"count,omitempty"`  // records in an export or list
}

// Log says where the event was read: the evidence trail back to the original line.
type Log struct {
	Input  string `json:"input,omitempty"`
	Path   string `json:"file,omitempty"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line,omitempty"` // 1-based line number, when reading whole files
	// Original is the line itself, kept for the evidence a detector hands to the register. It holds
	// personal data and is never written out with the event.
	Original string `json:"-"`
}

// LogValue keeps personal data out of lekwacht's own logs: an event logs as its kind, origin and
// time only. Users, addresses, subjects, paths and objects are left out.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("category", string(e.Event.Category)),
		slog.String("action", string(e.Event.Action)),
		slog.String("outcome", string(e.Event.Outcome)),
		slog.String("dataset", e.Event.Dataset),
		slog.String("input", e.Log.Input),
		slog.Int64("offset", e.Log.Offset),
		slog.Time("time", e.Time),
	)
}
