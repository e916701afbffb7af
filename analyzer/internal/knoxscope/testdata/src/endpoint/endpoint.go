package endpoint // want package:"talksToKnox"

// Package endpoint names a Knox endpoint in a constant.

const Base = "https://us-kcs-api.samsungknox.com/kcs/v1"
