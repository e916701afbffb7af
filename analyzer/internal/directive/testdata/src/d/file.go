//knoxvet:file-ignore KNX101 the whole file is fixture data

package d

var a, b = 7, 7
