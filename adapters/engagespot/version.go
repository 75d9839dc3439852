package engagespot

// Version is this library's version, sent in the User-Agent header.
const Version = "0.1.0"

// UserAgent is sent with every request, so Engagespot can tell which
// client (and which version of it) made a call.
const UserAgent = "autoidentify/" + Version + " (+https://github.com/autoidentify/autoidentify)"
