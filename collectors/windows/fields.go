package windows

// fields are the EventData names the Mapper reads; a reader may keep only these in Record.Data
// (TestFieldsAreWhatTheMapperReads keeps the list whole).
var fields = func() map[string]string {
	names := []string{
		"SubjectUserName", "SubjectDomainName", "SubjectUserSid", "SubjectLogonId",
		"TargetUserName", "TargetDomainName", "TargetUserSid", "TargetLogonId", "TargetSid",
		"Status", "SubStatus", "WorkstationName", "Workstation", "LogonType", "AuthenticationPackageName",
		"LogonProcessName", "IpAddress", "IpPort", "AccessMask", "ObjectName", "ProcessId", "HandleId",
		"ShareName", "ShareLocalPath", "RelativeTargetName", "DeviceId", "DeviceDescription", "ClassName",
		"AccountName", "AccountDomain", "ClientName", "ClientAddress", "SessionName", "LogonID", "ServiceName",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}()

// Field says whether the Mapper reads the EventData field name, and gives the name as a string
// (a reader's map key that costs no allocation).
func Field(name []byte) (string, bool) {
	s, ok := fields[string(name)]
	return s, ok
}
