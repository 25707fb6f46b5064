; Inno Setup 6 script: installs the PyInstaller bundle for the current user.
;
;   uv run pyinstaller --noconfirm --clean packaging\pyinstaller\pawpado-desktop.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\pawpado.iss
;
; writes dist\pawpado-desktop-0.1.0-setup.exe. No administrator rights needed
; (per-user install under %LOCALAPPDATA%\Programs, like the HKCU login entry).
; Signing: add /S"signtool=..." and SignTool=.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Pawpado"
#define AppExe "Pawpado.exe"
#define AppId "com.pawpado.Desktop"
; Must equal pawpado_desktop.autostart.RUN_VALUE_NAME, so the app's Settings
; toggle and this installer's task switch the same entry.
#define RunValueName "Pawpado"
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"

[Setup]
AppId={{3A6ED575-F909-43A9-82C6-E3F842B0FBEA}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Pawpado
AppPublisherURL=https://pawpado.com
AppSupportURL=https://pawpado.com
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=pawpado-desktop-{#AppVersion}-setup
SetupIconFile=..\..\pawpado_desktop\resources\icons\pawpado.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running Pawpado holds its files: ask it to close (Restart Manager).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "startatlogin"; Description: "Start {#AppName} in the system tray when I log in"; GroupDescription: "Start-up:"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\pawpado-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; The Start-menu entry. The AppUserModelID groups notifications and the taskbar under it.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppId}"; Comment: "Play on your Pawpado cloud gaming PC"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; Launch at login: the same value, quoting and flag as pawpado_desktop.autostart writes.
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#RunValueName}"; ValueData: """{app}\{#AppExe}"" --background"; Flags: uninsdeletevalue; Tasks: startatlogin

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The app's own Settings toggle may have written the Run value without the
// installer's task: remove it on uninstall too, so no dead entry is left.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
  begin
    RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', '{#RunValueName}');
    RegDeleteValue(HKEY_CURRENT_USER,
      'Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run', '{#RunValueName}');
  end;
end;
