package urls

// urls only names Knox's endpoints: it imports nothing, so it has no facts.

const KCS = "https://eu-kcs-api.samsungknox.com/kcs/v1"
