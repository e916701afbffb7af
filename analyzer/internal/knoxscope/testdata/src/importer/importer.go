package importer // want package:"talksToKnox"

// Package importer names no endpoint itself but imports one that does.

import "endpoint"

var URL = endpoint.Base + "/devices"
