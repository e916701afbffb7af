package protocol

// MaxLineBytes bounds one protocol line in either direction. A longer line is a
// protocol violation: the reader stops instead of buffering without limit.
const MaxLineBytes = 1 << 20

// OpParams returns a pointer to a zero value of op's parameter type, or nil when
// op takes no parameters.
func OpParams(op Op) any {
	switch op {
	case OpListDevices:
		return &ListDevicesParams{}
	case OpDeleteDevices:
		return &DeleteDevicesParams{}
	case OpExchangeCode:
		return &ExchangeCodeParams{}
	case OpAuthorizeToken:
		return &AuthorizeTokenParams{}
	case OpAccessToken, OpOAuthRefresh, OpOAuthRevoke:
		return &struct{}{} // no parameters; any field is a mistake
	case OpOAuthToken:
		return &OAuthTokenParams{}
	case OpOAuthExchangeCode:
		return &OAuthExchangeCodeParams{}
	case OpKCListDevices:
		return &KCListDevicesParams{}
	case OpKGLock, OpKGUnlock, OpKGSendMessage:
		return &GuardCommandParams{}
	}
	return nil
}

// OpValue returns a pointer to a zero value of the type of op's successful value,
// or nil when op's value is free-form.
func OpValue(op Op) any {
	switch op {
	case OpListDevices:
		return &ListDevicesValue{}
	case OpDeleteDevices:
		return &DeleteDevicesValue{}
	case OpOAuthToken, OpOAuthExchangeCode, OpOAuthRefresh:
		return &OAuthTokenValue{}
	case OpKCListDevices:
		return &KCListDevicesValue{}
	case OpKGLock, OpKGUnlock, OpKGSendMessage:
		return &GuardCommandValue{}
	}
	return nil
}
