// Package withtests is a Knox package whose test file is analysed only with
// -knoxhttp.tests.
package withtests

const tokenURL = "https://eu-kcs-api.samsungknox.com/ams/v1/users/accesstoken"
