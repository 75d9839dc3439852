package engagespot

// version is this library's version, sent in the User-Agent header.
const version = "0.1.0"

// userAgent is sent with every request, so Engagespot can tell which
// client (and which version of it) made a call.
const userAgent = "autoidentify/" + version + " (+https://github.com/autoidentify/autoidentify)"
