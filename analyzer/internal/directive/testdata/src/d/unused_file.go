// want +1 "unused knoxvet:file-ignore directive for KNX101"
//knoxvet:file-ignore KNX101 nothing here

package d

var c = 8
